import Foundation
import Imaging

/// Illumination functions of a screen, one per plate and channel (`IlluminationFunction`),
/// estimated from the mean of every site of the plate and saved so they can be inspected:
/// `DIR/<plate>/<channel>.tif` (float32), `DIR/<plate>/<channel>.png` (8-bit preview,
/// stretched over the function's range) and `DIR/illumination.csv` (written last).
public struct ScreenIllumination: Sendable {
    public var function = IlluminationFunction()
    public var threads = 2

    public init() {}

    public static let columns = ["Metadata_Plate", "Channel", "Illumination_Function"]

    /// Per plate, per channel (manifest order): the function and how flat the plate's mean
    /// image is before and after dividing by it (coefficient of variation of its pixels, and
    /// of its 32-pixel tile means, which sees the field without the cells' speckle).
    public struct PlateFunctions: Sendable {
        public var plate: String
        public var functions: [Image<Float>]
        public var cvBefore: [Double]
        public var cvAfter: [Double]
        public var blockCVBefore: [Double]
        public var blockCVAfter: [Double]
    }

    public func estimate(manifest: Manifest, progress: (@Sendable () -> Void)? = nil) throws -> [PlateFunctions] {
        try manifest.plates.map { plate in
            let rows = manifest.rows.filter { $0.plate == plate }
            let workers = max(1, min(threads, rows.count))
            let partial = UnsafeMutableBufferPointer<Result<[IlluminationFunction.Accumulator], Error>?>.allocate(capacity: workers)
            defer { partial.deinitialize().deallocate() }
            partial.initialize(repeating: nil)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                partial[worker] = Result {
                    var acc: [IlluminationFunction.Accumulator] = []
                    for i in stride(from: worker, to: rows.count, by: workers) {
                        for (c, ch) in manifest.channels.enumerated() {
                            guard let url = manifest.imageURL(rows[i], channel: ch) else {
                                throw CSVError(source: manifest.source, line: rows[i].line, message: "no image for channel \(ch)")
                            }
                            let image = try PlaneReader.readUInt16(url, maxPixels: manifest.maxPixels)
                            if acc.count == c { acc.append(.init(width: image.width, height: image.height)) }
                            guard image.width == acc[c].width, image.height == acc[c].height else {
                                throw CSVError(source: manifest.source, line: rows[i].line,
                                               message: "Image_\(ch) is \(image.width) x \(image.height), other sites of plate \(plate) are \(acc[c].width) x \(acc[c].height)")
                            }
                            acc[c].add(image)
                        }
                        progress?()
                    }
                    return acc
                }
            }
            // Sums of integers in Double are exact, so merging order does not matter.
            let parts = try (0..<workers).map { try partial[$0]!.get() }.filter { !$0.isEmpty }
            var total = parts[0]
            for p in parts.dropFirst() {
                guard p[0].width == total[0].width, p[0].height == total[0].height else {
                    throw CSVError(source: manifest.source, line: 0, message: "sites of plate \(plate) differ in size")
                }
                for c in total.indices { total[c].merge(p[c]) }
            }
            let means = total.map(\.mean)
            let functions = means.map { function.estimate(mean: $0) }
            let corrected = zip(means, functions).map { m, f in Image(width: m.width, height: m.height, pixels: zip(m.pixels, f.pixels).map { $0 / $1 }) }
            return PlateFunctions(plate: plate, functions: functions,
                                  cvBefore: means.map(IlluminationFunction.coefficientOfVariation),
                                  cvAfter: corrected.map(IlluminationFunction.coefficientOfVariation),
                                  blockCVBefore: means.map { IlluminationFunction.blockCoefficientOfVariation($0) },
                                  blockCVAfter: corrected.map { IlluminationFunction.blockCoefficientOfVariation($0) })
        }
    }

    /// Writes the functions (TIFF and PNG preview per plate and channel, then the index).
    public static func write(_ plates: [PlateFunctions], channels: [String], to directory: URL) throws {
        var index = CSVTable(header: columns, source: directory.appendingPathComponent("illumination.csv").path)
        for p in plates {
            for (c, ch) in channels.enumerated() {
                let f = p.functions[c]
                let stem = "\(p.plate)/\(ch)"
                try TIFFWriter.write(f, to: directory.appendingPathComponent("\(stem).tif"))
                let lo = f.pixels.min() ?? 1, hi = f.pixels.max() ?? 1
                let preview = f.map { UInt8(max(0, min(255, (($0 - lo) / max(hi - lo, 1e-6) * 255).rounded()))) }
                try PNGCodec.write(gray: preview, to: directory.appendingPathComponent("\(stem).png"))
                index.rows.append([p.plate, ch, "\(stem).tif"])
            }
        }
        index.lineNumbers = index.rows.indices.map { $0 + 2 }
        try index.write(to: directory.appendingPathComponent("illumination.csv"))
    }

    /// Reads `illumination.csv` and its functions: plate -> channel -> function.
    public static func load(_ directory: URL) throws -> [String: [String: Image<Float>]] {
        let t = try CSVTable(contentsOf: directory.appendingPathComponent("illumination.csv"))
        let c = try columns.map { try t.requireColumn($0) }
        var out: [String: [String: Image<Float>]] = [:]
        for row in t.rows {
            out[row[c[0]], default: [:]][row[c[1]]] = try TIFFReader.readFloat(directory.appendingPathComponent(row[c[2]]))
        }
        return out
    }
}
