import COpenBLAS
import CVectorKernels
import Dispatch

/// Exact k-nearest-neighbour search by tiled GEMM, as faiss's IndexFlat does for batches:
/// the scores of a tile of queries x rows come from one `sgemm` into a bounded scratch, then
/// each query folds its row of the tile into a `TopK` heap while the tile is still in cache.
///
/// The one kernel behind exact vector search (Search) and the k-NN graphs of UMAP, outlier
/// scores and NSC (Profiling). Scores are inner products, or negated squared Euclidean
/// distances for `.l2`; higher is closer; ties go to the smaller id, and `TopK` keeps the same
/// hits whatever order they arrive in. A score can differ in its last bits with the tile it
/// falls in (OpenBLAS sums a ragged tile edge in another order), as it did with the batch
/// size before tiling; only hits closer than that rounding could swap.
public enum BruteForceKNN {
    public enum Score: Sendable { case innerProduct, negativeSquaredL2 }

    /// Tile shape. Rows per tile: faiss's database block (1024); queries per tile: as many as
    /// keep the scratch at `scratchFloats` (4 MB), which stays in the last-level cache between
    /// the GEMM writing it and the heaps reading it. (Every query of a tile against the whole
    /// block of rows was 16 MB at 1000 queries, written to and read back from memory.)
    struct Tiling {
        var rows = 1024
        var scratchFloats = 1 << 20
        var queries: Int { max(1, scratchFloats / rows) }
        static let standard = Tiling()
    }

    /// Searches `rows` (row-major, `count x dimension`, ids `firstID...`) and folds the
    /// results into `heaps` (one per query). `rowNorms` (squared norms, indexed by id) is
    /// needed for `.negativeSquaredL2`. `accept` rejects ids (deleted, filtered, self).
    public static func search(queries: UnsafeBufferPointer<Float>, dimension d: Int,
                              rows: UnsafePointer<Float>, count: Int, firstID: Int,
                              score: Score, rowNorms: UnsafeBufferPointer<Float>? = nil,
                              heaps: inout [TopK], accept: ((Int) -> Bool)? = nil) {
        search(queries: queries, dimension: d, rows: rows, count: count, firstID: firstID, score: score,
               rowNorms: rowNorms, heaps: &heaps, accept: accept, tiling: .standard)
    }

    static func search(queries: UnsafeBufferPointer<Float>, dimension d: Int,
                       rows: UnsafePointer<Float>, count: Int, firstID: Int,
                       score: Score, rowNorms: UnsafeBufferPointer<Float>?,
                       heaps: inout [TopK], accept: ((Int) -> Bool)?, tiling: Tiling) {
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
        let rowBlock = max(1, tiling.rows), queryBlock = min(nq, tiling.queries)
        var scores = [Float](repeating: 0, count: queryBlock * rowBlock)
        let avx2 = DistanceKernel.cpuHasAVX2FMA
        var q0 = 0
        while q0 < nq {
            let qn = min(queryBlock, nq - q0)
            // Two workers share a tile's queries once there are enough to split.
            let workers = qn >= 8 ? 2 : 1
            var start = 0
            while start < count {
                let n = min(rowBlock, count - start)
                scores.withUnsafeMutableBufferPointer { sp in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(qn), Int32(n), Int32(d),
                                1, queries.baseAddress! + q0 * d, Int32(d), rows + start * d, Int32(d), 0, sp.baseAddress, Int32(n))
                }
                let blockFirst = firstID + start
                scores.withUnsafeBufferPointer { sp in
                    heaps.withUnsafeMutableBufferPointer { hp in
                        let hbase = hp.baseAddress!
                        func fold(_ t: Int) {
                            let qi = q0 + t
                            let row = sp.baseAddress! + t * n
                            var heap = hbase[qi]
                            hbase[qi] = TopK(k: 0)   // leave the heap's storage uniquely owned
                            if score == .innerProduct {
                                var j = 0
                                while true {
                                    // The next score that could enter the heap; almost none can once
                                    // it holds k, so this scan (8 scores a compare with AVX2) is the loop.
                                    j = avx2 ? pvk_first_at_least_avx2(row, j, n, heap.threshold)
                                             : firstAtLeast(row, from: j, count: n, heap.threshold)
                                    guard j < n else { break }
                                    let id = blockFirst + j
                                    if accept?(id) ?? true { heap.insert(id: id, score: row[j]) }
                                    j += 1
                                }
                            } else {
                                let norms = rowNorms!
                                let qnorm = queryNorms[qi]
                                var threshold = heap.threshold
                                for j in 0..<n {
                                    let id = blockFirst + j
                                    let s = 2 * row[j] - norms[id] - qnorm
                                    guard s >= threshold else { continue }
                                    if let accept, !accept(id) { continue }
                                    heap.insert(id: id, score: s)
                                    threshold = heap.threshold
                                }
                            }
                            hbase[qi] = heap
                        }
                        if workers == 1 {
                            for t in 0..<qn { fold(t) }
                        } else {
                            DispatchQueue.concurrentPerform(iterations: workers) { w in
                                var t = w
                                while t < qn { fold(t); t += workers }
                            }
                        }
                    }
                }
                start += n
            }
            q0 += qn
        }
    }

    /// Portable `pvk_first_at_least_avx2`: the first index in `from..<count` whose score is at
    /// least `t`, or `count`.
    @inline(__always)
    static func firstAtLeast(_ row: UnsafePointer<Float>, from: Int, count: Int, _ t: Float) -> Int {
        var j = from
        while j < count, row[j] < t { j += 1 }
        return j
    }
}
