/// Per-feature means over cells, each over the cells where that feature is defined (a cell
/// without cytoplasm has NaN cytoplasm features; it should not blank a whole well), with the
/// cell count: how cells become a well profile in a run and a site profile in a query.
public struct FeatureMeans: Sendable {
    public private(set) var sum: [Double]
    public private(set) var defined: [Int]
    public private(set) var count = 0

    public init(features: Int) {
        sum = [Double](repeating: 0, count: features)
        defined = [Int](repeating: 0, count: features)
    }

    /// Adds every cell (row) of `table`, whose columns must be this accumulator's features.
    public mutating func add(_ table: CellMeasurementTable) {
        let n = sum.count
        for c in 0..<table.rowCount {
            for f in 0..<n {
                let v = table.values[c * n + f]
                if v.isFinite { sum[f] += v; defined[f] += 1 }
            }
        }
        count += table.rowCount
    }

    /// Adds one cell's values, in this accumulator's feature order (float32, as cell files hold them).
    public mutating func add(_ cell: UnsafeBufferPointer<Float>) {
        for f in 0..<sum.count {
            let v = cell[f]
            if v.isFinite { sum[f] += Double(v); defined[f] += 1 }
        }
        count += 1
    }

    /// The means; NaN for a feature no cell defines.
    public var means: [Double] { zip(sum, defined).map { $1 > 0 ? $0 / Double($1) : .nan } }
}
