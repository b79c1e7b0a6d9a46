import Foundation

/// Brute-force search: every live vector is scored against every query with batched GEMM
/// (OpenBLAS), then the best `k` are kept per query.
///
/// The reference answer for approximate indexes, and the fastest choice below a few hundred
/// thousand vectors. Scores are exact; ties go to the smaller id.
public struct ExactIndex: VectorIndex {
    public let metric: Metric
    public private(set) var store: VectorStore
    /// Squared norms of stored rows, for L2 scores.
    private var norms: [Float]

    public init(dimension: Int, metric: Metric = .cosine) {
        self.metric = metric
        self.store = VectorStore(dimension: dimension)
        self.norms = []
    }

    init(store: VectorStore, metric: Metric) {
        self.metric = metric
        self.store = store
        self.norms = []
        norms.reserveCapacity(store.count)
        for id in 0..<store.count { norms.append(store.withVector(id) { VectorMath.dot($0, $0, store.dimension) }) }
    }

    public var dimension: Int { store.dimension }
    public var count: Int { store.liveCount }

    public mutating func add(_ vector: [Float]) throws -> Int {
        let v = try VectorMath.prepared(vector, dimension: dimension, metric: metric)
        norms.append(VectorMath.dot(v, v))
        return store.append(v)
    }

    public mutating func delete(_ id: Int) -> Bool { store.delete(id) }

    public func search(_ queries: [[Float]], k: Int, filter: ((Int) -> Bool)? = nil) throws -> [[SearchHit]] {
        let d = dimension
        let metric = self.metric
        let q = try queries.flatMap { try VectorMath.prepared($0, dimension: d, metric: metric) }
        guard !queries.isEmpty, k > 0 else { return Array(repeating: [], count: queries.count) }
        var heaps = Array(repeating: TopK(k: k), count: queries.count)
        let deleted = store.deleted
        let accept: ((Int) -> Bool)?
        if store.liveCount < store.count || filter != nil {
            accept = { id in !deleted[id] && (filter?(id) ?? true) }
        } else {
            accept = nil
        }
        q.withUnsafeBufferPointer { qp in
            norms.withUnsafeBufferPointer { np in
                store.forEachBlock { first, rows, base in
                    BruteForceKNN.search(queries: qp, dimension: d, rows: base, count: rows, firstID: first,
                                         score: metric == .l2 ? .negativeSquaredL2 : .innerProduct,
                                         rowNorms: np, heaps: &heaps, accept: accept)
                }
            }
        }
        return heaps.map { $0.sorted() }
    }

    public func vector(_ id: Int) -> [Float]? { store.isLive(id) ? store.vector(id) : nil }
}
