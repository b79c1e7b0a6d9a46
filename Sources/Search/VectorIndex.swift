/// A searchable set of vectors with stable integer ids.
///
/// Two implementations: `ExactIndex` (brute force, exact) and `HNSWIndex` (graph-based,
/// approximate, sub-linear). Ids are assigned in insertion order and survive deletions.
public protocol VectorIndex: Sendable {
    var metric: Metric { get }
    var dimension: Int { get }
    /// Live (not deleted) vectors.
    var count: Int { get }
    /// Adds a vector; returns its id. Throws on a wrong size or a non-finite value.
    mutating func add(_ vector: [Float]) throws -> Int
    /// Adds rows of `dimension` floats stored back to back; returns their ids (empty for no
    /// rows). Every row is checked before any is added; a bad one throws naming its row.
    /// `progress` gets the number of rows added so far.
    mutating func add(rows flat: [Float], progress: ((Int) -> Void)?) throws -> Range<Int>
    /// Deletes an id; false if unknown or already deleted.
    mutating func delete(_ id: Int) -> Bool
    /// The `k` best live items per query, best first, among those `filter` accepts.
    func search(_ queries: [[Float]], k: Int, filter: ((Int) -> Bool)?) throws -> [[SearchHit]]
    /// The stored (normalized, for cosine) vector of a live id.
    func vector(_ id: Int) -> [Float]?
}

extension VectorIndex {
    /// Checks every row, then adds them one by one.
    public mutating func add(rows flat: [Float], progress: ((Int) -> Void)? = nil) throws -> Range<Int> {
        try VectorMath.checkRows(flat, dimension: dimension, metric: metric)
        let rows = flat.count / dimension
        var first = 0
        for i in 0..<rows {
            let id = try add(Array(flat[i * dimension ..< (i + 1) * dimension]))
            if i == 0 { first = id }
            progress?(i + 1)
        }
        return first ..< first + rows
    }
}
