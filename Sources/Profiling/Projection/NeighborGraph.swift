import Search

/// The k nearest neighbours of every row of a matrix (self included, first), exact, by
/// blocked GEMM, with Euclidean or cosine distances.
public struct NeighborGraph: Sendable {
    public enum Distance: String, Codable, Sendable { case euclidean, cosine }
    /// indices[i * k + j]: the j-th nearest row to row i (j = 0 is i itself).
    public let indices: [Int32]
    /// distances[i * k + j]: its distance (Euclidean, or 1 - cosine similarity).
    public let distances: [Float]
    public let k: Int
    public let count: Int

    /// - Parameter data: row-major `count x dimension`.
    public init(data: [Float], count: Int, dimension d: Int, k: Int, distance: Distance = .euclidean) {
        precondition(data.count == count * d && k >= 1)
        let k = min(k, count)
        var x = data
        if distance == .cosine {
            for i in 0..<count {
                var s: Float = 0
                for j in 0..<d { s += x[i * d + j] * x[i * d + j] }
                let inv = s > 0 ? 1 / s.squareRoot() : 0
                for j in 0..<d { x[i * d + j] *= inv }
            }
        }
        var norms = [Float](repeating: 0, count: count)
        for i in 0..<count { for j in 0..<d { norms[i] += x[i * d + j] * x[i * d + j] } }
        var idx = [Int32](repeating: 0, count: count * k)
        var dist = [Float](repeating: 0, count: count * k)
        // Query blocks bound the heap memory; each block scans all rows once.
        let queryBlock = 2048
        var start = 0
        x.withUnsafeBufferPointer { xp in
            norms.withUnsafeBufferPointer { np in
                while start < count {
                    let nq = min(queryBlock, count - start)
                    var heaps = Array(repeating: TopK(k: k), count: nq)
                    let q = UnsafeBufferPointer(rebasing: xp[(start * d)..<((start + nq) * d)])
                    BruteForceKNN.search(queries: q, dimension: d, rows: xp.baseAddress!, count: count, firstID: 0,
                                         score: distance == .cosine ? .innerProduct : .negativeSquaredL2,
                                         rowNorms: np, heaps: &heaps)
                    for qi in 0..<nq {
                        let i = start + qi
                        var hits = heaps[qi].sorted()
                        // Self first even when duplicates tie with it.
                        if let s = hits.firstIndex(where: { $0.id == i }), s != 0 { hits.insert(hits.remove(at: s), at: 0) }
                        for (j, h) in hits.enumerated() {
                            idx[i * k + j] = Int32(h.id)
                            let dd: Float = distance == .cosine ? max(0, 1 - h.score) : max(0, -h.score).squareRoot()
                            dist[i * k + j] = h.id == i ? 0 : dd
                        }
                    }
                    start += nq
                }
            }
        }
        self.indices = idx
        self.distances = dist
        self.k = k
        self.count = count
    }
}
