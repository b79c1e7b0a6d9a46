/// Feature selection as pycytominer's `feature_select`: operations run in the order
/// given, each on the features the previous ones kept, and the union of their
/// exclusions is dropped.
///
/// - `varianceThreshold`: drop features whose population variance (NaN ignored) is not
///   above `minVariance` (default 1e-6; scikit-learn's VarianceThreshold).
/// - `correlationThreshold`: Pearson correlations (pairwise-complete when NaN is present,
///   as pandas); features are ranked by the sum of their absolute correlations (lowest
///   first, ties in column order); for every pair with correlation > `threshold` (signed,
///   as pycytominer: strongly anti-correlated pairs are kept) the member ranked later is
///   dropped.
/// - `dropNaColumns`: drop features whose fraction of NaN values exceeds `naCutoff`
///   (default 0.05). This is the only step that accepts NaN; NaN left in kept features is
///   still an error at evaluation.
///
/// The default order is pycytominer's profiling-recipe order: variance, correlation, NaN.
public struct FeatureSelection: Sendable {
    public enum Operation: String, Sendable, CaseIterable {
        case varianceThreshold = "variance_threshold"
        case correlationThreshold = "correlation_threshold"
        case dropNaColumns = "drop_na_columns"
    }

    public var operations: [Operation]
    public var minVariance: Double
    public var correlationThreshold: Double
    public var naCutoff: Double

    public init(operations: [Operation] = [.varianceThreshold, .correlationThreshold, .dropNaColumns],
                minVariance: Double = 1e-6, correlationThreshold: Double = 0.9, naCutoff: Double = 0.05) {
        self.operations = operations
        self.minVariance = minVariance
        self.correlationThreshold = correlationThreshold
        self.naCutoff = naCutoff
    }

    /// Indices of the features kept, in table order.
    public func selectedFeatures(_ table: ProfileTable) -> [Int] {
        var kept = Array(0..<table.featureCount)
        let columns = kept.map { j in (0..<table.rowCount).map { table[$0, j] } }
        for op in operations {
            let excluded: Set<Int>
            switch op {
            case .varianceThreshold:
                excluded = Set(kept.filter { j in
                    let v = Statistics.std(columns[j].filter { !$0.isNaN })
                    return !(v * v > minVariance)
                })
            case .dropNaColumns:
                excluded = Set(kept.filter { j in
                    Double(columns[j].filter(\.isNaN).count) / Double(max(table.rowCount, 1)) > naCutoff
                })
            case .correlationThreshold:
                excluded = correlated(kept.map { columns[$0] }).reduce(into: Set<Int>()) { $0.insert(kept[$1]) }
            }
            kept.removeAll { excluded.contains($0) }
        }
        return kept
    }

    public func apply(to table: ProfileTable) -> ProfileTable {
        table.selectingFeatures(selectedFeatures(table))
    }

    /// Positions (in `columns`) that the correlation rule drops.
    func correlated(_ columns: [[Double]]) -> [Int] {
        let d = columns.count
        var corr = [Double](repeating: .nan, count: d * d)
        for a in 0..<d {
            for b in 0...a {
                let r = Self.pearson(columns[a], columns[b])
                corr[a * d + b] = r
                corr[b * d + a] = r
            }
        }
        let sums = (0..<d).map { a in (0..<d).reduce(0.0) { s, b in corr[a * d + b].isNaN ? s : s + abs(corr[a * d + b]) } }
        let order = stableSorted(Array(0..<d)) { sums[$0] < sums[$1] }
        var position = [Int](repeating: 0, count: d)
        for (p, j) in order.enumerated() { position[j] = p }
        var drop = Set<Int>()
        for a in 0..<d {
            for b in 0..<a where corr[a * d + b] > correlationThreshold {
                drop.insert(position[a] > position[b] ? a : b)
            }
        }
        return drop.sorted()
    }

    /// Pearson correlation over the rows where both values are present (NaN if fewer than
    /// two, or if either is constant there).
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        var xs: [Double] = [], ys: [Double] = []
        for (a, b) in zip(x, y) where !a.isNaN && !b.isNaN { xs.append(a); ys.append(b) }
        guard xs.count >= 2 else { return .nan }
        let mx = Statistics.mean(xs), my = Statistics.mean(ys)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(xs, ys) {
            sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my)
        }
        guard sxx > 0 && syy > 0 else { return .nan }
        return sxy / (sxx * syy).squareRoot()
    }
}
