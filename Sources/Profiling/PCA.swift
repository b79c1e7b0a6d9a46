/// Principal component analysis of a profile table, with scikit-learn's conventions so
/// that plots and numbers agree with `sklearn.decomposition.PCA(svd_solver="full")`:
/// features centred on their mean (not scaled), components from the SVD of the centred
/// matrix, each component's sign chosen so that its largest-magnitude loading is positive
/// (`svd_flip(u_based_decision=False)`), explained variance = s^2 / (n - 1).
public struct PCA: Sendable {
    public let mean: [Double]
    /// Row-major `componentCount x featureCount`.
    public let components: [Double]
    public let componentCount: Int
    public let featureCount: Int
    public let explainedVariance: [Double]
    public let explainedVarianceRatio: [Double]

    /// Fits `components` components (default: all, min(n, d)).
    public init(fitting table: ProfileTable, components requested: Int? = nil) throws {
        try table.requireFinite()
        let n = table.rowCount, d = table.featureCount
        guard n >= 2 else { throw ProfilingError("\(table.sourceDescription): PCA needs at least 2 rows, found \(n)") }
        let k = min(n, d)
        let count = requested ?? k
        guard count >= 1 && count <= k else {
            throw ProfilingError("PCA: asked for \(count) components, can fit 1 to \(k)")
        }
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mean[j] += table[r, j] / Double(n) } }
        var centred = table.features
        for r in 0..<n { for j in 0..<d { centred[r * d + j] -= mean[j] } }
        var s = [Double](repeating: 0, count: k)
        var v = try RightSingularVectors.compute(rowMajor: &centred, rows: n, cols: d, singularValues: &s)
        for c in 0..<k {
            let row = (c * d)..<((c + 1) * d)
            let largest = row.max { abs(v[$0]) < abs(v[$1]) }!
            if v[largest] < 0 { for i in row { v[i] = -v[i] } }
        }
        let variance = s.map { $0 * $0 / Double(n - 1) }
        let total = variance.reduce(0, +)
        self.mean = mean
        components = Array(v[0..<(count * d)])
        componentCount = count
        featureCount = d
        explainedVariance = Array(variance[0..<count])
        explainedVarianceRatio = explainedVariance.map { total > 0 ? $0 / total : 0 }
    }

    /// Scores of every row of `table` (row-major `rows x componentCount`).
    public func transform(_ table: ProfileTable) throws -> [Double] {
        guard table.featureCount == featureCount else {
            throw ProfilingError("\(table.sourceDescription): PCA fitted on \(featureCount) features, table has \(table.featureCount)")
        }
        var out = [Double](repeating: 0, count: table.rowCount * componentCount)
        for r in 0..<table.rowCount {
            for c in 0..<componentCount {
                var acc = 0.0
                for j in 0..<featureCount { acc += (table[r, j] - mean[j]) * components[c * featureCount + j] }
                out[r * componentCount + c] = acc
            }
        }
        return out
    }
}
