import COpenBLAS

/// Cosine similarities between the rows of a profile table, in Double.
///
/// `full` computes the whole matrix as the Gram matrix of the unit-length rows (one BLAS
/// GEMM), for treatment tables; `lazy` keeps only the unit rows and computes each
/// similarity when asked, for well tables where n x n would not fit in memory.
/// A row of all zeros has no direction, so its cosine is undefined: that is an error
/// naming the row rather than a silent NaN that would poison every ranking.
public struct CosineSimilarity: Sendable {
    public let count: Int
    /// Row-major `count x count`, or empty when lazy.
    public let values: [Double]
    let unit: [Double]
    let dimension: Int

    public init(_ table: ProfileTable, lazy: Bool = false) throws {
        try table.requireFinite()
        let n = table.rowCount, d = table.featureCount
        var unit = table.features
        for r in 0..<n {
            var ss = 0.0
            for j in 0..<d { ss += unit[r * d + j] * unit[r * d + j] }
            guard ss > 0 else {
                throw ProfilingError("\(table.rowOrigins[r]): profile is all zeros, cosine similarity is undefined")
            }
            let inv = 1 / ss.squareRoot()
            for j in 0..<d { unit[r * d + j] *= inv }
        }
        self.unit = unit
        dimension = d
        count = n
        guard !lazy else { values = []; return }
        var s = [Double](repeating: 0, count: n * n)
        if n > 0 && d > 0 {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(d),
                        1, unit, Int32(d), unit, Int32(d), 0, &s, Int32(n))
        }
        values = s
    }

    public subscript(i: Int, j: Int) -> Double {
        if !values.isEmpty { return values[i * count + j] }
        var s = 0.0
        for k in 0..<dimension { s += unit[i * dimension + k] * unit[j * dimension + k] }
        return s
    }
}
