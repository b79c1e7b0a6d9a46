import Tensor
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
    /// Deletes an id; false if unknown or already deleted.
    mutating func delete(_ id: Int) -> Bool
    /// The `k` best live items per query, best first, among those `filter` accepts.
    func search(_ queries: [[Float]], k: Int, filter: ((Int) -> Bool)?) throws -> [[SearchHit]]
    /// The stored (normalized, for cosine) vector of a live id.
    func vector(_ id: Int) -> [Float]?
}
