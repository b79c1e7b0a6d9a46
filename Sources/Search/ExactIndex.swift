import COpenBLAS
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
        let nq = queries.count
        guard nq > 0, k > 0 else { return Array(repeating: [], count: nq) }
        var heaps = Array(repeating: TopK(k: k), count: nq)
        let queryNorms = (0..<nq).map { i in q.withUnsafeBufferPointer { VectorMath.dot($0.baseAddress! + i * d, $0.baseAddress! + i * d, d) } }
        // Blocks of database rows keep the score matrix in cache-friendly pieces.
        let rowBlock = max(1, min(16_384, (1 << 22) / max(nq, 1)))
        var scores = [Float](repeating: 0, count: nq * rowBlock)
        let deleted = store.deleted
        let norms = self.norms
        store.forEachBlock { first, rows, base in
            var start = 0
            while start < rows {
                let n = min(rowBlock, rows - start)
                q.withUnsafeBufferPointer { qp in
                    scores.withUnsafeMutableBufferPointer { sp in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(nq), Int32(n), Int32(d),
                                    1, qp.baseAddress, Int32(d), base + start * d, Int32(d), 0, sp.baseAddress, Int32(n))
                    }
                }
                let blockFirst = first + start
                scores.withUnsafeBufferPointer { sp in
                    heaps.withUnsafeMutableBufferPointer { hp in
                        let hbase = hp.baseAddress!
                        DispatchQueue.concurrentPerform(iterations: min(nq, 2)) { worker in
                            var qi = worker
                            while qi < nq {
                                let row = sp.baseAddress! + qi * n
                                var heap = hbase[qi]
                                var threshold = heap.threshold
                                for j in 0..<n {
                                    var s = row[j]
                                    let id = blockFirst + j
                                    if metric == .l2 { s = 2 * s - norms[id] - queryNorms[qi] }
                                    guard s >= threshold, !deleted[id] else { continue }
                                    if let f = filter, !f(id) { continue }
                                    heap.insert(id: id, score: s)
                                    threshold = heap.threshold
                                }
                                hbase[qi] = heap
                                qi += 2
                            }
                        }
                    }
                }
                start += n
            }
        }
        return heaps.map { $0.sorted() }
    }

    public func vector(_ id: Int) -> [Float]? { store.isLive(id) ? store.vector(id) : nil }
}
