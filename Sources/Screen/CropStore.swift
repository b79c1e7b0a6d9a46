import Core
import Foundation

/// Single-cell crops on disk: shards of `(cells, channels, size, size)` `.npy` arrays
/// (uint16 intensities, or float16 intensities / 65535 — half the precision, as many
/// learned-embedding loaders want) plus `cells.csv` (one row per cell, in shard order) and `crops.json`.
///
/// Shards keep memory flat however many cells a screen has: the writer holds one shard at a
/// time, and the reader maps one shard at a time. numpy reads a shard with `np.load`, and
/// `cells.csv` carries `Crop_Shard` and `Crop_Index` so any cell can be found directly.
/// `crops.json` is written last, so a folder without it is an unfinished store.
public struct CropStore: Sendable {
    /// Element type of the shards.
    public enum DType: String, Codable, Sendable, CaseIterable {
        /// Raw 16-bit intensities.
        case u16
        /// Intensity / 65535 as IEEE half floats (0...1).
        case f16

        var npy: NPYArray.DType { self == .u16 ? .uint16 : .float16 }
    }

    public struct Header: Codable, Equatable, Sendable {
        public var channels: [String]
        public var size: Int
        public var count: Int
        /// Cells per shard file (the last may hold fewer).
        public var shardSize: Int
        public var shards: [String]
        /// Absent in stores written before f16 existed: u16.
        public var dtype: DType?
    }

    public let directory: URL
    public let header: Header
    /// Per-cell metadata, row i = cell i.
    public let cells: CSVTable

    public static func open(_ directory: URL) throws -> CropStore {
        let headerURL = directory.appendingPathComponent("crops.json")
        guard let data = try? Data(contentsOf: headerURL) else {
            throw CSVError(source: headerURL.path, line: 0, message: "missing; not a finished crop store")
        }
        let header = try JSONDecoder().decode(Header.self, from: data)
        let cells = try CSVTable(contentsOf: directory.appendingPathComponent("cells.csv"))
        guard cells.rows.count == header.count else {
            throw CSVError(source: cells.source, line: 0, message: "\(cells.rows.count) cells, crops.json says \(header.count)")
        }
        return CropStore(directory: directory, header: header, cells: cells)
    }

    /// Values per cell: channels x size x size.
    public var cellLength: Int { header.channels.count * header.size * header.size }

    /// Calls `body` with each shard's first cell index and its crops (cells x channels x
    /// size x size, of `header.dtype`), one shard in memory at a time.
    public func forEachShard(_ body: (Int, NPYArray) throws -> Void) throws {
        var first = 0
        for name in header.shards {
            let url = directory.appendingPathComponent(name)
            let shard = try NPYArray.read(url)
            let dtype = (header.dtype ?? .u16).npy
            guard shard.dtype == dtype, shard.shape.count == 4,
                  Array(shard.shape.dropFirst()) == [header.channels.count, header.size, header.size] else {
                throw NPYError("\(url.path): shape \(shard.shape) \(shard.dtype), expected (n, \(header.channels.count), \(header.size), \(header.size)) \(dtype)")
            }
            try body(first, shard)
            first += shard.shape[0]
        }
    }
}

extension CropStore {
    /// One store over several (a screen's per-plate stores): the shards are hard-linked (copied
    /// where links are impossible) under new names, `cells.csv` is concatenated with
    /// `Crop_Shard` renumbered, and `crops.json` is written last. The stores must agree on
    /// channels, crop size, dtype and cells.csv columns. Shards keep their own lengths, so
    /// readers locate a cell by its `Crop_Shard`/`Crop_Index` (or shard order), never by
    /// `index / shardSize`.
    @discardableResult
    public static func combine(_ stores: [CropStore], into directory: URL) throws -> CropStore {
        guard let first = stores.first else { throw CSVError(source: directory.path, line: 0, message: "no crop stores to combine") }
        for s in stores.dropFirst() {
            let what: String?
            if s.header.channels != first.header.channels { what = "channels \(s.header.channels), expected \(first.header.channels)" }
            else if s.header.size != first.header.size { what = "crop size \(s.header.size), expected \(first.header.size)" }
            else if (s.header.dtype ?? .u16) != (first.header.dtype ?? .u16) { what = "dtype \((s.header.dtype ?? .u16).rawValue), expected \((first.header.dtype ?? .u16).rawValue)" }
            else if s.cells.header != first.cells.header { what = "cells.csv columns differ from \(first.cells.source)" }
            else { what = nil }
            if let what { throw CSVError(source: s.directory.appendingPathComponent("crops.json").path, line: 0, message: what) }
        }
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        try? fm.removeItem(at: directory.appendingPathComponent("crops.json"))
        let shardColumn = first.cells.header.firstIndex(of: "Crop_Shard")
        var cells = CSVTable(header: first.cells.header, source: directory.appendingPathComponent("cells.csv").path)
        var shards: [String] = []
        for store in stores {
            let offset = shards.count
            for name in store.header.shards {
                let target = directory.appendingPathComponent(String(format: "shard-%05d.npy", shards.count))
                try? fm.removeItem(at: target)
                let source = store.directory.appendingPathComponent(name)
                do { try fm.linkItem(at: source, to: target) } catch { try fm.copyItem(at: source, to: target) }
                shards.append(target.lastPathComponent)
            }
            for var row in store.cells.rows {
                if let shardColumn, let k = Int(row[shardColumn]) { row[shardColumn] = String(k + offset) }
                cells.rows.append(row)
                cells.lineNumbers.append(cells.rows.count + 1)
            }
        }
        try cells.write(to: directory.appendingPathComponent("cells.csv"))
        let header = Header(channels: first.header.channels, size: first.header.size, count: cells.rows.count,
                            shardSize: stores.map(\.header.shardSize).max()!, shards: shards, dtype: first.header.dtype)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(enc.encode(header), to: directory.appendingPathComponent("crops.json"))
        return CropStore(directory: directory, header: header, cells: cells)
    }
}

/// Writes a `CropStore`, one shard at a time.
public struct CropStoreWriter {
    public let directory: URL
    public let channels: [String]
    public let size: Int
    public let shardSize: Int
    public let dtype: CropStore.DType
    public private(set) var cells: CSVTable
    private var buffer: [UInt16] = []
    private var buffered = 0
    private var shards: [String] = []
    private var count = 0

    /// - Parameter metadataColumns: the per-cell columns (e.g. DESIGN's Cells columns and the
    ///   treatment); `Crop_Shard` and `Crop_Index` are added.
    public init(directory: URL, channels: [String], size: Int, metadataColumns: [String], shardSize: Int = 4096,
                dtype: CropStore.DType = .u16) throws {
        precondition(shardSize > 0)
        self.dtype = dtype
        self.directory = directory
        self.channels = channels
        self.size = size
        self.shardSize = shardSize
        self.cells = CSVTable(header: metadataColumns + ["Crop_Shard", "Crop_Index"], source: directory.appendingPathComponent("cells.csv").path)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A previous, unfinished store must not be mistaken for this one.
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("crops.json"))
    }

    /// Adds one cell's crop (channels x size x size values) and its metadata row.
    public mutating func append(_ crop: [UInt16], metadata: [String]) throws {
        precondition(crop.count == channels.count * size * size, "crop has \(crop.count) values, expected \(channels.count * size * size)")
        precondition(metadata.count + 2 == cells.header.count, "metadata row has \(metadata.count) fields, expected \(cells.header.count - 2)")
        buffer.append(contentsOf: crop)
        cells.rows.append(metadata + [String(shards.count), String(buffered)])
        cells.lineNumbers.append(cells.rows.count + 1)
        buffered += 1
        count += 1
        if buffered == shardSize { try flush() }
    }

    private mutating func flush() throws {
        guard buffered > 0 else { return }
        let name = String(format: "shard-%05d.npy", shards.count)
        let shape = [buffered, channels.count, size, size]
        let array: NPYArray
        switch dtype {
        case .u16: array = NPYArray(uint16: buffer, shape: shape)
        case .f16:
            let half = buffer.map { Float16(Float($0) / 65535).bitPattern }
            array = NPYArray(shape: shape, dtype: .float16, bytes: half.withUnsafeBytes { Data($0) })
        }
        try array.write(to: directory.appendingPathComponent(name))
        shards.append(name)
        buffer.removeAll(keepingCapacity: true)
        buffered = 0
    }

    /// Writes the last shard, `cells.csv`, then `crops.json`; returns the store.
    @discardableResult
    public mutating func finish() throws -> CropStore {
        try flush()
        try cells.write(to: directory.appendingPathComponent("cells.csv"))
        let header = CropStore.Header(channels: channels, size: size, count: count, shardSize: shardSize, shards: shards, dtype: dtype)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(enc.encode(header), to: directory.appendingPathComponent("crops.json"))
        return CropStore(directory: directory, header: header, cells: cells)
    }
}
