import Foundation

/// Row-major Float32 vectors with tombstones for deleted rows.
///
/// Ids are row numbers and never change: deleting marks a row dead rather than moving the
/// rows after it, so ids held by callers (and the HNSW graph) stay valid without a rebuild.
/// A store opened from disk keeps its saved rows memory-mapped and appends new rows in
/// memory; saving writes both out as one file again.
public struct VectorStore: @unchecked Sendable {
    public let dimension: Int
    private var mapped: MappedFile?
    private var mappedRows: Int
    private var appended: [Float]
    public private(set) var deleted: [Bool]
    public private(set) var liveCount: Int

    public init(dimension: Int) {
        precondition(dimension > 0, "vectors need at least one dimension")
        self.dimension = dimension
        self.mapped = nil
        self.mappedRows = 0
        self.appended = []
        self.deleted = []
        self.liveCount = 0
    }

    /// Opens rows saved by `write(to:)`; `deleted` must have one flag per row.
    init(dimension: Int, mapping file: MappedFile, deleted: [Bool]) throws {
        // The dimension comes from a file: check it before dividing or multiplying by it.
        let (rowBytes, overflow) = dimension.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        guard dimension > 0, !overflow else { throw IndexError("dimension \(dimension); expected a positive row width") }
        let rows = file.length / rowBytes
        guard rows * rowBytes == file.length, rows == deleted.count else {
            throw IndexError("vector file holds \(file.length) bytes, expected \(deleted.count) rows of \(dimension) float32")
        }
        self.dimension = dimension
        self.mapped = file
        self.mappedRows = rows
        self.appended = []
        self.deleted = deleted
        self.liveCount = deleted.lazy.filter { !$0 }.count
    }

    /// Rows ever added, deleted ones included; the next id.
    public var count: Int { deleted.count }

    /// Appends a vector; returns its id.
    @discardableResult
    public mutating func append<C: Collection>(_ v: C) -> Int where C.Element == Float {
        precondition(v.count == dimension)
        appended.append(contentsOf: v)
        deleted.append(false)
        liveCount += 1
        return deleted.count - 1
    }

    /// Marks `id` deleted; false if it was unknown or already deleted.
    @discardableResult
    public mutating func delete(_ id: Int) -> Bool {
        guard id >= 0, id < count, !deleted[id] else { return false }
        deleted[id] = true
        liveCount -= 1
        return true
    }

    @inlinable
    public func isLive(_ id: Int) -> Bool { id >= 0 && id < count && !deleted[id] }

    /// Calls `body` with a pointer to the `dimension` floats of row `id`.
    @inline(__always)
    public func withVector<R>(_ id: Int, _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if id < mappedRows {
            return try body(mapped!.buffer(of: Float.self).baseAddress! + id * dimension)
        }
        return try appended.withUnsafeBufferPointer { try body($0.baseAddress! + (id - mappedRows) * dimension) }
    }

    /// Base pointers of the rows, for loops that read many of them; valid only inside the
    /// `withRows` call that made it.
    public struct Rows {
        let mapped: UnsafePointer<Float>?
        let mappedRows: Int
        let appended: UnsafePointer<Float>?
        let dimension: Int
        /// Rows ever added, deleted ones included.
        let count: Int

        @inline(__always)
        subscript(id: Int) -> UnsafePointer<Float> {
            id < mappedRows ? mapped! + id * dimension : appended! + (id - mappedRows) * dimension
        }
    }

    /// Calls `body` with pointers to every row.
    public func withRows<R>(_ body: (Rows) throws -> R) rethrows -> R {
        let m = mapped?.buffer(of: Float.self).baseAddress
        return try appended.withUnsafeBufferPointer {
            try body(Rows(mapped: m, mappedRows: mappedRows, appended: $0.baseAddress, dimension: dimension, count: count))
        }
    }

    /// Calls `body` with contiguous runs of rows: (first id, row count, pointer). At most two
    /// runs: the mapped rows and the appended ones.
    public func forEachBlock(_ body: (Int, Int, UnsafePointer<Float>) throws -> Void) rethrows {
        if mappedRows > 0 { try body(0, mappedRows, mapped!.buffer(of: Float.self).baseAddress!) }
        if !appended.isEmpty {
            try appended.withUnsafeBufferPointer { try body(mappedRows, $0.count / dimension, $0.baseAddress!) }
        }
    }

    /// The vector of row `id` as an array.
    public func vector(_ id: Int) -> [Float] {
        withVector(id) { Array(UnsafeBufferPointer(start: $0, count: dimension)) }
    }

    /// Writes every row (deleted ones too, so ids stay valid) as raw little-endian float32.
    func write(to url: URL) throws {
        var data = Data(capacity: count * dimension * 4)
        forEachBlock { _, rows, p in
            data.append(UnsafeBufferPointer(start: p, count: rows * dimension))
        }
        try data.write(to: url)
    }
}
