import COpenBLAS

/// The full matrix of cosine similarities between the rows of a profile table, computed
/// in Double as the Gram matrix of the unit-length rows (one BLAS `dsyrk`-sized GEMM).
///
/// A row of all zeros has no direction, so its cosine is undefined: that is an error
/// naming the row rather than a silent NaN that would poison every ranking.
public struct CosineSimilarity: Sendable {
    public let count: Int
    /// Row-major `count x count`.
    public let values: [Double]

    public init(_ table: ProfileTable) throws {
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
        var s = [Double](repeating: 0, count: n * n)
        if n > 0 && d > 0 {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(d),
                        1, unit, Int32(d), unit, Int32(d), 0, &s, Int32(n))
        }
        count = n
        values = s
    }

    public subscript(i: Int, j: Int) -> Double { values[i * count + j] }
}
