/// Per-feature standardization fitted on some rows: (x - mean) / std, population std,
/// a zero std replaced by 1 (scikit-learn's StandardScaler convention).
struct Standardizer {
    var mean: [Double]
    var scale: [Double]

    init(table: ProfileTable, rows: [Int]) {
        let d = table.featureCount
        mean = [Double](repeating: 0, count: d)
        scale = [Double](repeating: 1, count: d)
        for j in 0..<d {
            let col = rows.map { table[$0, j] }
            mean[j] = Statistics.mean(col)
            let s = Statistics.std(col)
            scale[j] = s < 10 * Double.ulpOfOne * max(abs(mean[j]), 1) ? 1 : s
        }
    }

    /// The standardized rows, row-major.
    func transform(table: ProfileTable, rows: [Int]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(rows.count * mean.count)
        for r in rows { for j in mean.indices { out.append((table[r, j] - mean[j]) / scale[j]) } }
        return out
    }
}
