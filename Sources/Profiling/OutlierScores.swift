/// Outlier scores for profiles (wells, sites or treatments): the cosine distance
/// (1 - cosine similarity) from each row to its k-th nearest other row (the k-NN distance
/// score of Ramaswamy et al. 2000). A profile unlike any other, such as a site with
/// debris or a compound with a unique phenotype, lies far from even its nearest
/// neighbours. Also reported: the robust z of each score among all rows,
/// (score - median) / (1.4826 * MAD), so that a cut such as z > 3 has a meaning.
public struct OutlierScores: Sendable {
    public let k: Int
    /// One score per row, in table order.
    public let scores: [Double]
    public let robustZ: [Double]

    public init(_ table: ProfileTable, k: Int = 1) throws {
        guard k >= 1 && k < table.rowCount else {
            throw ProfilingError("outlier scores: k must be between 1 and \(table.rowCount - 1), got \(k)")
        }
        let sim = try CosineSimilarity(table, lazy: table.rowCount > 4000)
        var scores = [Double](repeating: 0, count: table.rowCount)
        for i in 0..<table.rowCount {
            var d = (0..<table.rowCount).filter { $0 != i }.map { 1 - sim[i, $0] }
            d.sort()
            scores[i] = d[k - 1]
        }
        let median = Statistics.median(scores)
        let mad = Statistics.mad(scores)
        self.k = k
        self.scores = scores
        robustZ = scores.map { mad > 0 ? ($0 - median) / (1.4826 * mad) : 0 }
    }

    /// Rows ordered from most to least outlying (ties in table order).
    public var ranking: [Int] {
        stableSorted(Array(scores.indices)) { scores[$0] > scores[$1] }
    }
}
