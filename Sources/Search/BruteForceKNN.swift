import COpenBLAS
import Dispatch

/// Exact k-nearest-neighbour search by blocked GEMM: scores of a block of rows against all
/// queries come from one `sgemm`, then each query keeps its best `k` in a `TopK` heap.
///
/// The one kernel behind exact vector search (Search) and the k-NN graphs of UMAP, outlier
/// scores and NSC (Profiling). Scores are inner products, or negated squared Euclidean
/// distances for `.l2`; higher is closer; ties go to the smaller id.
public enum BruteForceKNN {
    public enum Score: Sendable { case innerProduct, negativeSquaredL2 }

    /// Searches `rows` (row-major, `count x dimension`, ids `firstID...`) and folds the
    /// results into `heaps` (one per query). `rowNorms` (squared norms, indexed by id) is
    /// needed for `.negativeSquaredL2`. `accept` rejects ids (deleted, filtered, self).
    public static func search(queries: UnsafeBufferPointer<Float>, dimension d: Int,
                              rows: UnsafePointer<Float>, count: Int, firstID: Int,
                              score: Score, rowNorms: UnsafeBufferPointer<Float>? = nil,
                              heaps: inout [TopK], accept: ((Int) -> Bool)? = nil) {
        let nq = heaps.count
        precondition(queries.count == nq * d)
        guard nq > 0, count > 0 else { return }
        var queryNorms = [Float](repeating: 0, count: nq)
        if score == .negativeSquaredL2 {
            precondition(rowNorms != nil, "L2 scores need the squared row norms")
            for i in 0..<nq {
                var s: Float = 0
                for j in 0..<d { s += queries[i * d + j] * queries[i * d + j] }
                queryNorms[i] = s
            }
        }
        // Blocks keep the score matrix (queries x block) within a few MB.
        let block = max(64, min(16_384, (1 << 22) / nq))
        var scores = [Float](repeating: 0, count: nq * block)
        let workers = min(nq, 2)
        var start = 0
        while start < count {
            let n = min(block, count - start)
            scores.withUnsafeMutableBufferPointer { sp in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(nq), Int32(n), Int32(d),
                            1, queries.baseAddress, Int32(d), rows + start * d, Int32(d), 0, sp.baseAddress, Int32(n))
            }
            let blockFirst = firstID + start
            scores.withUnsafeBufferPointer { sp in
                heaps.withUnsafeMutableBufferPointer { hp in
                    let hbase = hp.baseAddress!
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        var qi = worker
                        while qi < nq {
                            let row = sp.baseAddress! + qi * n
                            var heap = hbase[qi]
                            hbase[qi] = TopK(k: 0)   // leave the heap's storage uniquely owned
                            var threshold = heap.threshold
                            if score == .innerProduct {
                                for j in 0..<n where row[j] >= threshold {
                                    let id = blockFirst + j
                                    if let accept, !accept(id) { continue }
                                    heap.insert(id: id, score: row[j])
                                    threshold = heap.threshold
                                }
                            } else {
                                let norms = rowNorms!
                                let qn = queryNorms[qi]
                                for j in 0..<n {
                                    let id = blockFirst + j
                                    let s = 2 * row[j] - norms[id] - qn
                                    guard s >= threshold else { continue }
                                    if let accept, !accept(id) { continue }
                                    heap.insert(id: id, score: s)
                                    threshold = heap.threshold
                                }
                            }
                            hbase[qi] = heap
                            qi += workers
                        }
                    }
                }
            }
            start += n
        }
    }
}
