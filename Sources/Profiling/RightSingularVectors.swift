import COpenBLAS

/// Thin SVD (LAPACK `dgesdd`) of a row-major matrix, returning its right singular
/// vectors: the directions sphering and PCA need.
enum RightSingularVectors {
    /// `a` is row-major `rows x cols` (destroyed). Fills the min(rows, cols) singular
    /// values in descending order and returns the right singular vectors as a row-major
    /// `min(rows, cols) x cols` matrix (one vector per row).
    static func compute(rowMajor a: inout [Double], rows n: Int, cols d: Int,
                        singularValues s: inout [Double]) throws -> [Double] {
        // Row-major n x d is column-major d x n = A^T, whose left singular vectors are
        // A's right ones, stored column-major d x k: one vector per k, contiguous.
        let k = min(n, d)
        var u = [Double](repeating: 0, count: d * k)
        var vt = [Double](repeating: 0, count: k * n)
        var jobz = Int8(UInt8(ascii: "S"))
        var m = Int32(d), nn = Int32(n), lda = Int32(d), ldu = Int32(d), ldvt = Int32(k)
        var info: Int32 = 0
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var query = 0.0, lwork: Int32 = -1
        dgesdd_(&jobz, &m, &nn, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &query, &lwork, &iwork, &info)
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(&jobz, &m, &nn, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { throw ProfilingError("singular value decomposition failed (LAPACK dgesdd info \(info))") }
        return u
    }
}
