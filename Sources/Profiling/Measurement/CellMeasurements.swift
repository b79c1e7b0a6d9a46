import Core
import Dispatch
import Foundation
import Imaging

/// A family of CellProfiler-style per-object measurements.
public enum MeasurementFamily: String, CaseIterable, Sendable {
    case intensity, shape, texture, granularity, radial, correlation
}

/// The object kinds measured for each cell: its nucleus, the whole cell, and the cytoplasm
/// (cell pixels outside every nucleus). Raw values are CellProfiler's object names.
public enum Compartment: String, CaseIterable, Sendable {
    case nuclei = "Nuclei", cells = "Cells", cytoplasm = "Cytoplasm"
}

/// What `CellMeasurements.measure` computes and how.
public struct CellMeasurementOptions: Sendable {
    public var families: Set<MeasurementFamily> = Set(MeasurementFamily.allCases)
    public var compartments: [Compartment] = Compartment.allCases
    /// Channel order for columns and correlation pairs; nil sorts the names.
    public var channelOrder: [String]? = nil
    /// Haralick co-occurrence distances in pixels.
    public var textureScales: [Int] = [3]
    /// Gray levels for texture (2...256); 256 is CellProfiler 3+'s choice.
    public var textureLevels: Int = 256
    public var radialBins: Int = 4
    public var granularity = GranularityOptions()
    /// Position convention of the intensity quartiles, median and MAD.
    public var quantiles: QuantileConvention = .numpy
    /// Percent of each channel's in-object maximum above which Manders/RWC/overlap count a pixel.
    public var correlationThreshold: Double = 15
    /// Worker threads over objects; output order never depends on it.
    public var threads: Int = 2
    public init() {}
}

/// Per-object features: one row per object, in ascending label order.
public struct CellMeasurementTable: Sendable {
    /// CellProfiler-style names, e.g. `Nuclei_Intensity_MeanIntensity_DNA`.
    public let columns: [String]
    public let labels: [Int32]
    /// Nucleus centroid (cell centroid when the object has no nucleus), image pixels.
    public let centroids: [SIMD2<Double>]
    /// `labels.count * columns.count` values, row-major; NaN where undefined.
    public let values: [Double]

    public var rowCount: Int { labels.count }

    public func value(row: Int, column: Int) -> Double { values[row * columns.count + column] }

    /// All values of the named column, or nil if there is no such column.
    public func column(_ name: String) -> [Double]? {
        guard let c = columns.firstIndex(of: name) else { return nil }
        return (0..<rowCount).map { value(row: $0, column: c) }
    }

    /// CSV text: `ObjectNumber, Location_Center_X, Location_Center_Y`, then every feature.
    public func csv() -> String {
        var s = (["ObjectNumber", "Location_Center_X", "Location_Center_Y"] + columns).joined(separator: ",") + "\n"
        for r in 0..<rowCount {
            var fields = ["\(labels[r])", "\(centroids[r].x)", "\(centroids[r].y)"]
            for c in 0..<columns.count {
                let v = value(row: r, column: c)
                fields.append(v.isNaN ? "" : "\(v)")
            }
            s += fields.joined(separator: ",") + "\n"
        }
        return s
    }

    /// Writes `csv()` atomically.
    public func write(to url: URL) throws { try AtomicFile.write(csv(), to: url) }
}

/// Why a measurement request was refused.
public struct CellMeasurementError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// CellProfiler-style per-cell feature extraction (intensity, size/shape with Zernike
/// moments, Haralick texture, granularity, radial distribution, colocalisation) for every
/// compartment and channel, checked against cp-measure 0.3.0.
///
/// Each object is cut out on its bounding box once per compartment and every family works on
/// that crop, so a site costs time in proportion to its objects' area. Objects are spread over
/// `options.threads` workers, each writing its own rows, so the output does not depend on
/// scheduling.
public enum CellMeasurements {
    /// Measures every object of `cells` and `nuclei` (a cell's label equals its nucleus's).
    /// Channels hold intensities scaled to 0...1 (16-bit value / 65535).
    public static func measure(channels: [String: Image<Float>], nuclei: Image<Int32>, cells: Image<Int32>,
                               options: CellMeasurementOptions = CellMeasurementOptions()) throws -> CellMeasurementTable {
        let w = cells.width, h = cells.height
        guard nuclei.width == w && nuclei.height == h else {
            throw CellMeasurementError(description: "nuclei labels are \(nuclei.width)x\(nuclei.height) but cell labels are \(w)x\(h)")
        }
        let order = options.channelOrder ?? channels.keys.sorted()
        guard Set(order) == Set(channels.keys), order.count == channels.count else {
            throw CellMeasurementError(description: "channel order \(order) does not name exactly the channels \(channels.keys.sorted())")
        }
        for name in order {
            let img = channels[name]!
            guard img.width == w && img.height == h else {
                throw CellMeasurementError(description: "channel \(name) is \(img.width)x\(img.height) but the labels are \(w)x\(h)")
            }
            if let bad = img.pixels.firstIndex(where: { !$0.isFinite }) {
                throw CellMeasurementError(description: "channel \(name) has a non-finite value at x=\(bad % w), y=\(bad / w)")
            }
        }
        guard options.textureScales.allSatisfy({ $0 >= 1 }), (2...256).contains(options.textureLevels),
              options.radialBins >= 1, options.radialBins <= 100 else {
            throw CellMeasurementError(description: "texture scales must be >= 1, texture levels in 2...256, radial bins in 1...100")
        }
        for (name, labels) in [("nuclei", nuclei), ("cell", cells)] {
            if let bad = labels.pixels.firstIndex(where: { $0 < 0 }) {
                throw CellMeasurementError(description: "\(name) labels have negative label \(labels.pixels[bad]) at x=\(bad % w), y=\(bad / w); expected 0 for background or a positive object number")
            }
        }
        let images = order.map { channels[$0]! }
        let fam = options.families

        // Column layout, per compartment block.
        var blocks: [[String]] = []
        for comp in options.compartments {
            var names: [String] = []
            if fam.contains(.shape) { names += ShapeMeasurement.names }
            for ch in order {
                if fam.contains(.intensity) { names += IntensityMeasurement.names.map { "\($0)_\(ch)" } }
                if fam.contains(.texture) {
                    for s in options.textureScales { names += TextureMeasurement.names(channel: ch, scale: s, levels: options.textureLevels) }
                }
                if fam.contains(.granularity) { names += GranularitySpectrum.names(channel: ch, options: options.granularity) }
                if fam.contains(.radial) { names += RadialDistribution.names(channel: ch, bins: options.radialBins) }
            }
            if fam.contains(.correlation) {
                for i in 0..<order.count { for j in (i + 1)..<order.count { names += ColocalizationMeasurement.names(order[i], order[j]) } }
            }
            blocks.append(names.map { "\(comp.rawValue)_\($0)" })
        }
        let columns = blocks.flatMap { $0 }

        // Image-level granularity spectra, one per channel.
        var spectra: [GranularitySpectrum] = []
        if fam.contains(.granularity) {
            if options.threads > 1 {
                let box = ResultBox<GranularitySpectrum>(count: images.count)
                DispatchQueue.concurrentPerform(iterations: images.count) { c in
                    box.set(c, GranularitySpectrum(images[c], options: options.granularity))
                }
                spectra = box.values()
            } else {
                spectra = images.map { GranularitySpectrum($0, options: options.granularity) }
            }
        }

        let nucleusBoxes = LabelBoxes(nuclei), cellBoxes = LabelBoxes(cells)
        let labels = Array(Set(nucleusBoxes.labels).union(cellBoxes.labels)).sorted()
        let nucleusIndex = Dictionary(uniqueKeysWithValues: nucleusBoxes.labels.enumerated().map { ($1, $0) })
        let cellIndex = Dictionary(uniqueKeysWithValues: cellBoxes.labels.enumerated().map { ($1, $0) })

        let ncol = columns.count
        var values = [Double](repeating: .nan, count: labels.count * ncol)
        var centroids = [SIMD2<Double>](repeating: .zero, count: labels.count)
        let threads = max(1, min(options.threads, labels.count))
        values.withUnsafeMutableBufferPointer { vbuf in
            centroids.withUnsafeMutableBufferPointer { cbuf in
                let vb = vbuf, cb = cbuf
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    for r in stride(from: t, to: labels.count, by: threads) {
                        let label = labels[r]
                        let nucleus = nucleusIndex[label].flatMap { k in
                            ObjectMask(imageWidth: w, imageHeight: h, box: nucleusBoxes.boxes[k]) { x, y in nuclei.pixels[y * w + x] == label }
                        }
                        let cell = cellIndex[label].flatMap { k in
                            ObjectMask(imageWidth: w, imageHeight: h, box: cellBoxes.boxes[k]) { x, y in cells.pixels[y * w + x] == label }
                        }
                        let centre = nucleus ?? cell!
                        var sx = 0.0, sy = 0.0
                        for i in centre.pixels {
                            sx += Double(Int(i) % centre.width + centre.x0); sy += Double(Int(i) / centre.width + centre.y0)
                        }
                        cb[r] = SIMD2(sx / Double(centre.area), sy / Double(centre.area))
                        var offset = r * ncol
                        for (b, comp) in options.compartments.enumerated() {
                            let object: ObjectMask?
                            switch comp {
                            case .nuclei: object = nucleus
                            case .cells: object = cell
                            case .cytoplasm:
                                object = cellIndex[label].flatMap { k in
                                    ObjectMask(imageWidth: w, imageHeight: h, box: cellBoxes.boxes[k]) { x, y in
                                        cells.pixels[y * w + x] == label && nuclei.pixels[y * w + x] == 0
                                    }
                                }
                            }
                            if let object {
                                let row = measureObject(object, images: images, spectra: spectra, options: options)
                                precondition(row.count == blocks[b].count, "feature count \(row.count) != \(blocks[b].count) names")
                                for (k, v) in row.enumerated() { vb[offset + k] = v }
                            }
                            offset += blocks[b].count
                        }
                    }
                }
            }
        }
        return CellMeasurementTable(columns: columns, labels: labels, centroids: centroids, values: values)
    }

    /// One compartment's features of one object, in the order of the column block.
    static func measureObject(_ object: ObjectMask, images: [Image<Float>], spectra: [GranularitySpectrum],
                              options: CellMeasurementOptions) -> [Double] {
        let fam = options.families
        var out: [Double] = []
        if fam.contains(.shape) { ShapeMeasurement.measure(object, into: &out) }
        let edge = fam.contains(.intensity) ? object.edgeFlags() : []
        let radial = fam.contains(.radial) ? RadialDistribution.geometry(object, bins: options.radialBins) : nil
        var channelValues: [[Float]] = []
        for (c, image) in images.enumerated() {
            let values = object.values(of: image)
            channelValues.append(values)
            if fam.contains(.intensity) { IntensityMeasurement.measure(object, values: values, edge: edge, convention: options.quantiles, into: &out) }
            if fam.contains(.texture) {
                let q = TextureMeasurement.quantize(object, values: values, levels: options.textureLevels)
                for s in options.textureScales { TextureMeasurement.measure(object, quantized: q, scale: s, into: &out) }
            }
            if fam.contains(.granularity) { spectra[c].measure(object, values: values, into: &out) }
            if let radial { RadialDistribution.measure(radial, values: values, bins: options.radialBins, into: &out) }
        }
        if fam.contains(.correlation) {
            for i in 0..<images.count {
                for j in (i + 1)..<images.count {
                    ColocalizationMeasurement.measure(channelValues[i], channelValues[j],
                                                      threshold: options.correlationThreshold, into: &out)
                }
            }
        }
        return out
    }
}

/// Slots filled by concurrent workers, one slot each.
private final class ResultBox<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); slots[i] = v; lock.unlock() }
    func values() -> [T] { slots.map { $0! } }
}
