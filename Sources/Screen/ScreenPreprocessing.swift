import Foundation
import Core
import Imaging

/// Writes a corrected copy of a screen: each image divided by its plate's illumination
/// function (when given), then intensity-normalized at the chosen level, saved as 16-bit
/// (rounded, full 0...65535 range when normalized) or float32 TIFFs, with a new
/// `manifest.csv` (written last) whose metadata is the input's. Later stages read that
/// manifest instead of the raw one.
///
/// Plates are processed one at a time; a group's normalization range needs the group's
/// histogram first, so plate and well levels read the plate twice.
public struct ScreenPreprocessing: Sendable {
    public enum OutputType: String, Sendable, CaseIterable, Codable { case u16, f32 }

    /// plate -> channel -> function; nil: no illumination correction.
    public var illumination: [String: [String: Image<Float>]]? = nil
    public var normalization = IntensityNormalization()
    public var output = OutputType.u16
    public var threads = 2

    public init() {}

    public func run(manifest: Manifest, out: URL, progress: (@Sendable () -> Void)? = nil) throws -> Manifest {
        let channels = manifest.channels
        var rowsOut: [[String]] = []
        for plate in manifest.plates {
            let rows = manifest.rows.filter { $0.plate == plate }
            let functions = try channels.map { ch -> Image<Float>? in
                guard let illumination else { return nil }
                guard let f = illumination[plate]?[ch] else {
                    throw CSVError(source: manifest.source, line: rows[0].line, message: "no illumination function for plate \(plate), channel \(ch)")
                }
                return f
            }
            func corrected(_ row: ManifestRow, _ c: Int) throws -> Image<Float> {
                guard let url = manifest.imageURL(row, channel: channels[c]) else {
                    throw CSVError(source: manifest.source, line: row.line, message: "no image for channel \(channels[c])")
                }
                let image = try PlaneReader.readUInt16(url, maxPixels: manifest.maxPixels)
                guard let f = functions[c] else { return image.map { Float($0) } }
                guard f.width == image.width, f.height == image.height else {
                    throw CSVError(source: url.path, line: 0, message: "image is \(image.width) x \(image.height), plate \(plate)'s illumination function is \(f.width) x \(f.height)")
                }
                return IlluminationFunction.apply(f, to: image)
            }
            // Group histograms (plate and well levels) before writing.
            var ranges: [String: [(low: Float, high: Float)]] = [:]
            if normalization.level == .plate || normalization.level == .well {
                let groups = Dictionary(grouping: rows.indices, by: { normalization.group(of: rows[$0].siteKey)! })
                let hist = try parallelMap(rows.indices.map { $0 }, workers: threads) { i in
                    try channels.indices.map { c -> IntensityNormalization.Histogram in
                        var h = IntensityNormalization.Histogram(); h.add(try corrected(rows[i], c).pixels); return h
                    }
                }
                for (g, members) in groups {
                    ranges[g] = channels.indices.map { c in
                        var h = IntensityNormalization.Histogram()
                        for i in members { h.merge(hist[i][c]) }
                        return normalization.range(h)
                    }
                }
            }
            let written = try parallelMap(rows.indices.map { $0 }, workers: threads) { i -> [String] in
                let row = rows[i]
                var paths: [String] = []
                for c in channels.indices {
                    var values = try corrected(row, c)
                    if let g = normalization.group(of: row.siteKey) {
                        let r: (low: Float, high: Float)
                        if let known = ranges[g] { r = known[c] } else {
                            var h = IntensityNormalization.Histogram(); h.add(values.pixels); r = normalization.range(h)
                        }
                        values.pixels = IntensityNormalization.apply(values.pixels, low: r.low, high: r.high)
                    }
                    let path = "images/\(row.plate)/\(row.well)_s\(row.site)_\(channels[c]).tif"
                    let url = out.appendingPathComponent(path)
                    switch output {
                    case .f32: try TIFFWriter.write(values, to: url)
                    case .u16:
                        let scale: Float = normalization.level == .none ? 1 : 65535
                        try TIFFWriter.write(values.map { UInt16(max(0, min(65535, ($0 * scale).rounded()))) }, to: url)
                    }
                    paths.append(path)
                }
                progress?()
                return [row.plate, row.well.description, String(row.site), row.batch, row.compound, row.concentrationText, row.moa] + paths
            }
            rowsOut += written
        }
        var table = CSVTable(header: ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Batch", "Metadata_Compound",
                                      "Metadata_Concentration", "Metadata_MoA"] + channels.map { "Image_\($0)" },
                             source: out.appendingPathComponent("manifest.csv").path)
        table.rows = rowsOut
        table.lineNumbers = rowsOut.indices.map { $0 + 2 }
        try table.write(to: out.appendingPathComponent("manifest.csv"))
        return try Manifest.load(out.appendingPathComponent("manifest.csv"))
    }
}
