import Core
import Foundation
import Screen
import Tensor

/// A crop store as training data, read in place: the shards stay memory-mapped and a crop
/// becomes floats (intensity / 65535, standardized per channel over the whole store) only
/// when a batch asks for it, so memory does not grow with the screen. One label per cell
/// from `labelColumn` ("" when empty) and its compound.
///
/// Opening makes one streaming pass over the shards: a histogram of the 16-bit codes of each
/// channel gives the exact per-channel mean and standard deviation, and from them a table
/// from code to standardized value (u16 and f16 shards alike are 16-bit codes), so converting
/// a crop is one lookup per value.
public struct CropDataset: Sendable {
    public let count, channels, size: Int
    public let labels: [String]
    public let compounds: [String]
    public let store: CropStore
    /// Per-channel mean and standard deviation of intensity / 65535 over the store.
    public let mean: [Double]
    public let std: [Double]
    let shards: [Shard]
    /// First cell of each shard, ascending.
    let shardStarts: [Int]
    /// channels x 65536: the standardized value of each 16-bit code, per channel.
    let table: [Float]

    /// One mapped shard: its file bytes and where its elements start.
    struct Shard: Sendable {
        let bytes: Data
        let offset: Int
        let cells: Int
    }

    public struct DataError: Error, CustomStringConvertible { public let description: String }

    /// Per-channel mean and standard deviation of intensity / 65535 that crops are
    /// standardized with.
    public struct Standardization: Equatable, Sendable {
        public var mean: [Double]
        public var std: [Double]
        public init(mean: [Double], std: [Double]) { self.mean = mean; self.std = std }
    }

    /// Opens the store at `directory`; crops are standardized with `standardization` when
    /// given (a model's training statistics, `BackboneInfo`), else with the store's own.
    public static func open(_ directory: URL, labelColumn: String, standardization given: Standardization? = nil) throws -> CropDataset {
        let store = try CropStore.open(directory)
        let cells = store.cells
        guard let labelIndex = cells.header.firstIndex(of: labelColumn) else {
            throw DataError(description: "\(cells.source): no column '\(labelColumn)' (label_column); have \(cells.header.joined(separator: ", "))")
        }
        let compoundIndex = cells.header.firstIndex(of: "Metadata_Compound")
        let c = store.header.channels.count, s = store.header.size, n = store.header.count
        let dtype = store.header.dtype ?? .u16
        let npyType: NPYArray.DType = dtype == .u16 ? .uint16 : .float16
        var shards: [Shard] = [], starts: [Int] = [], total = 0
        // One pass: map each shard, check its header, count codes per channel.
        var histogram = [UInt64](repeating: 0, count: c * 65536)
        for name in store.header.shards {
            let url = directory.appendingPathComponent(name)
            let bytes: Data
            do { bytes = try Data(contentsOf: url, options: .alwaysMapped) } catch {
                throw DataError(description: "\(url.path): cannot read shard listed in crops.json")
            }
            let layout = try NPYArray.layout(bytes, source: url.path)
            guard layout.dtype == npyType, layout.shape.count == 4, Array(layout.shape.dropFirst()) == [c, s, s] else {
                throw DataError(description: "\(url.path): shape \(layout.shape) \(layout.dtype), expected (n, \(c), \(s), \(s)) \(npyType)")
            }
            guard !layout.bigEndian, !layout.fortranOrder, layout.dataOffset % 2 == 0 else {
                throw DataError(description: "\(url.path): big-endian, Fortran-order or unaligned array; expected little-endian C order as CropStoreWriter writes")
            }
            let shard = Shard(bytes: bytes, offset: layout.dataOffset, cells: layout.shape[0])
            shard.codes { codes in
                histogram.withUnsafeMutableBufferPointer { h in
                    for i in 0..<shard.cells {
                        for ch in 0..<c {
                            let base = (i * c + ch) * s * s, bin = ch * 65536
                            for j in 0..<(s * s) { h[bin + Int(codes[base + j])] += 1 }
                        }
                    }
                }
            }
            starts.append(total)
            shards.append(shard)
            total += shard.cells
        }
        guard total == n else {
            throw DataError(description: "\(directory.path): shards hold \(total) cells, crops.json says \(n)")
        }
        let value: (Int) -> Double = dtype == .u16
            ? { Double($0) / 65535 }
            : { Double(Float(Float16(bitPattern: UInt16($0)))) }
        var mean = [Double](), std = [Double](), table = [Float](repeating: 0, count: c * 65536)
        if let given {
            guard given.mean.count == c, given.std.count == c else {
                throw DataError(description: "\(directory.path): \(c) channels, the standardization has \(given.mean.count) means and \(given.std.count) deviations")
            }
        }
        for ch in 0..<c {
            var sum = 0.0, sq = 0.0, seen = 0.0
            for code in 0..<65536 {
                let k = histogram[ch * 65536 + code]
                guard k > 0 else { continue }
                let v = value(code)
                guard v.isFinite else {
                    throw DataError(description: "\(directory.path): channel \(store.header.channels[ch]) holds non-finite values")
                }
                sum += Double(k) * v; sq += Double(k) * v * v; seen += Double(k)
            }
            let m = given?.mean[ch] ?? sum / max(seen, 1)
            let sd = given?.std[ch] ?? max(1e-6, (max(0, sq / max(seen, 1) - m * m)).squareRoot())
            mean.append(m); std.append(sd)
            for code in 0..<65536 { table[ch * 65536 + code] = Float((value(code) - m) / sd) }
        }
        return CropDataset(count: n, channels: c, size: s,
                           labels: cells.rows.map { $0[labelIndex] },
                           compounds: cells.rows.map { row in compoundIndex.map { row[$0] } ?? "" },
                           store: store, mean: mean, std: std, shards: shards, shardStarts: starts, table: table)
    }

    /// Each cell's group for a train/validation split: its values of `columns` of cells.csv
    /// joined by "/" (e.g. Metadata_Plate, Metadata_Well: one group per well), or with no
    /// columns the cell's own index (a split by cell).
    public func groups(by columns: [String]) throws -> [String] {
        let cells = store.cells
        guard !columns.isEmpty else { return (0..<count).map(String.init) }
        let indices = try columns.map { name in
            guard let i = cells.header.firstIndex(of: name) else {
                throw DataError(description: "\(cells.source): no column '\(name)' (split_by); have \(cells.header.joined(separator: ", "))")
            }
            return i
        }
        return cells.rows.map { row in indices.map { row[$0] }.joined(separator: "/") }
    }

    /// Cell `i` standardized: channels x size x size floats.
    public func crop(_ i: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: channels * size * size) { buffer, initialized in
            crop(i, into: buffer)
            initialized = buffer.count
        }
    }

    /// Writes cell `i` standardized into `out` (channels x size x size floats).
    func crop(_ i: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(i >= 0 && i < count, "cell \(i) out of 0..<\(count)")
        var lo = 0, hi = shardStarts.count - 1
        while lo < hi { let mid = (lo + hi + 1) / 2; if shardStarts[mid] <= i { lo = mid } else { hi = mid - 1 } }
        let plane = size * size, first = (i - shardStarts[lo]) * channels * plane
        shards[lo].codes { codes in
            table.withUnsafeBufferPointer { t in
                for ch in 0..<channels {
                    let row = ch * 65536
                    for j in 0..<plane { out[ch * plane + j] = t[row + Int(codes[first + ch * plane + j])] }
                }
            }
        }
    }
}

extension CropDataset.Shard {
    /// The shard's elements as 16-bit codes, read from the mapping.
    func codes<R>(_ body: (UnsafeBufferPointer<UInt16>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { raw in
            // open() rejected odd element offsets and a mapping starts page-aligned, so the
            // UInt16 view is aligned (writers pad the header to 64 bytes anyway).
            let p = raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt16.self)
            return try body(UnsafeBufferPointer(start: p, count: (raw.count - offset) / 2))
        }
    }
}
