/// Trustworthiness of an embedding (Venna & Kaski 2001), as scikit-learn computes it:
/// 1 - 2 / (n k (2n - 3k - 1)) * sum over points i of sum over embedded neighbours j of i
/// that are not among its k original neighbours of (rank of j among i's original
/// neighbours - k). 1 means every embedded neighbourhood was a true neighbourhood.
///
/// Exact, O(n^2) distances per space: meant for evaluation sets up to a few thousand points.
public enum Trustworthiness {
    public static func score(original x: [Float], dimension d: Int, embedded y: [Float], embeddedDimension e: Int,
                             count n: Int, k: Int) -> Double {
        precondition(k < n / 2, "trustworthiness needs k < n / 2")
        let embedded = NeighborGraph(data: y, count: n, dimension: e, k: k + 1)
        var total = 0.0
        var dist = [Float](repeating: 0, count: n)
        var order = [Int](repeating: 0, count: n)
        var rank = [Int](repeating: 0, count: n)
        for i in 0..<n {
            for j in 0..<n {
                var s: Float = 0
                for t in 0..<d { let v = x[i * d + t] - x[j * d + t]; s += v * v }
                dist[j] = s
            }
            // Ranks as scikit-learn: stable order by distance with i itself first (rank 0).
            dist[i] = -1
            for j in 0..<n { order[j] = j }
            order.sort { dist[$0] < dist[$1] || (dist[$0] == dist[$1] && $0 < $1) }
            for (r, j) in order.enumerated() { rank[j] = r }
            for m in 1...k {
                let j = Int(embedded.indices[i * (k + 1) + m])
                let r = rank[j]
                if r > k { total += Double(r - k) }
            }
        }
        let nn = Double(n), kk = Double(k)
        return 1 - total * 2 / (nn * kk * (2 * nn - 3 * kk - 1))
    }
}
