
/// Cosine similarities between the rows of a profile table, in Double.
///
/// `full` computes the whole matrix of dot products of the unit-length rows, for
/// treatment tables; `lazy` keeps only the unit rows and computes each
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
        // Pair by pair in one fixed order rather than a blocked GEMM, whose kernels may
        // round equal dot products differently at different matrix positions: equal
        // vectors must give bit-equal similarities so that ties break by table order.
        var s = [Double](repeating: 0, count: n * n)
        unit.withUnsafeBufferPointer { u in
            for i in 0..<n {
                for j in i..<n {
                    var acc = 0.0
                    for k in 0..<d { acc += u[i * d + k] * u[j * d + k] }
                    s[i * n + j] = acc
                    s[j * n + i] = acc
                }
            }
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
