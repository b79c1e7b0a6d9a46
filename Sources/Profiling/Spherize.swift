import COpenBLAS
import Foundation

/// Sphering (typical-variation normalization, Ando et al. 2017): whitens every profile
/// with the covariance of the DMSO profiles, so that variation seen among controls stops
/// dominating similarities. Same formula as pycytominer's `Spherize` (1.x, SVD form):
///
/// X = DMSO rows centred on their mean (`zca`) or standardized (`zcaCor`, population
/// std; a zero-variance feature is an error), X = U S V^T, and
/// W = sqrt(n - 1) * V diag(1 / (s + epsilon)) V^T, applied as (x - mean) W (or to the
/// standardized x). With n <= d the missing singular values are set to the smallest
/// nonzero one, s[r-1], as pycytominer does. A DMSO matrix of rank other than d, or n-1
/// when centred, is an error (perfect linear dependence among controls). Epsilon
/// default 1e-6. Fitted once over the whole table (all plates).
public struct Spherize: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case zca
        case zcaCor = "zca-cor"
    }

    public var method: Method
    public var epsilon: Double

    public init(method: Method = .zca, epsilon: Double = 1e-6) {
        self.method = method
        self.epsilon = epsilon
    }

    public func apply(to table: ProfileTable) throws -> ProfileTable {
        try table.requireFinite()
        let isDMSO = try table.metadataValues(TreatmentLabels.compoundColumn).map(TreatmentLabels.isDMSO)
        let ref = (0..<table.rowCount).filter { isDMSO[$0] }
        let n = ref.count, d = table.featureCount
        guard n >= 2 else {
            throw ProfilingError("\(table.sourceDescription): sphering needs at least 2 DMSO rows, found \(n)")
        }
        // Centre (and for zca-cor scale) with the DMSO statistics.
        var mean = [Double](repeating: 0, count: d), scale = [Double](repeating: 1, count: d)
        for j in 0..<d {
            let col = ref.map { table[$0, j] }
            mean[j] = Statistics.mean(col)
            if method == .zcaCor {
                scale[j] = Statistics.std(col)
                guard scale[j] > 0 else {
                    throw ProfilingError("\(table.sourceDescription): feature '\(table.featureNames[j])' is constant on DMSO rows; remove low-variance features before zca-cor sphering")
                }
            }
        }
        var centred = [Double](repeating: 0, count: d * n)
        for (i, r) in ref.enumerated() {
            for j in 0..<d { centred[i * d + j] = (table[r, j] - mean[j]) / scale[j] }
        }
        let k = min(n, d)
        var s = [Double](repeating: 0, count: k)
        let v = try RightSingularVectors.compute(rowMajor: &centred, rows: n, cols: d, singularValues: &s)
        let tol = (s.first ?? 0) * Double(max(n, d)) * Double.ulpOfOne
        let rank = s.filter { $0 > tol }.count
        guard rank == d || rank == n - 1 else {
            throw ProfilingError("\(table.sourceDescription): DMSO profiles are not full rank (n = \(n), d = \(d), rank = \(rank)); remove linearly dependent features")
        }
        // W = c * [sum_{i<r} v_i v_i^T / (s_i + eps)] + c * (I - sum_{i<r} v_i v_i^T) / (s_{r-1} + eps)
        let c = Double(n - 1).squareRoot()
        let rest = 1 / (s[rank - 1] + epsilon)
        var w = [Double](repeating: 0, count: d * d)
        for a in 0..<d { w[a * d + a] = c * rest }
        for i in 0..<rank {
            let coef = c * (1 / (s[i] + epsilon) - rest)
            let vi = Array(v[(i * d)..<((i + 1) * d)])
            cblas_dger(CblasRowMajor, Int32(d), Int32(d), coef, vi, 1, vi, 1, &w, Int32(d))
        }
        var x = [Double](repeating: 0, count: table.rowCount * d)
        for r in 0..<table.rowCount { for j in 0..<d { x[r * d + j] = (table[r, j] - mean[j]) / scale[j] } }
        var out = table
        if table.rowCount > 0 {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(table.rowCount), Int32(d), Int32(d),
                        1, x, Int32(d), w, Int32(d), 0, &out.features, Int32(d))
        }
        return out
    }
}
