/// Feature selection as pycytominer's `feature_select` (pycytominer 1.x, commit db0c469):
/// operations run in the order given, each on the features the previous ones kept, and the
/// union of their exclusions is dropped. Each operation has pycytominer's definition and
/// default:
///
/// - `variance_threshold`: drop features whose population variance (NaN ignored) is not
///   above `minVariance` (1e-6; scikit-learn's `VarianceThreshold`, as pycytominer now uses).
/// - `frequency_threshold`: caret's near-zero-variance rule, which pycytominer called
///   `variance_threshold` before 1.0: drop a feature when the count of its second most
///   common value over that of its most common one is below `freqCut` (0.05; a feature with
///   one distinct value has ratio 0), or its number of distinct values over the row count is
///   below `uniqueCut` (0.01). NaN is neither a value nor counted as distinct.
/// - `correlation_threshold`: Pearson correlations (pairwise-complete when NaN is present,
///   as pandas); features are ranked by the sum of their absolute correlations (lowest
///   first, ties in column order); for every pair with correlation > `correlationThreshold`
///   (0.9; signed, as pycytominer: strongly anti-correlated pairs are kept) the member
///   ranked later is dropped.
/// - `drop_na_columns`: drop features whose fraction of NaN values exceeds `naCutoff`
///   (0.05). This is the only step that accepts NaN; NaN left in kept features is still an
///   error at evaluation.
/// - `blocklist`: drop the features named in `blocklist` (default: pycytominer's default
///   blocklist, `FeatureBlocklist.pycytominerDefault`, CellProfiler features known to be
///   noisy); names absent from the table are ignored.
/// - `drop_outliers`: drop features whose largest or smallest value exceeds
///   `outlierCutoff` in magnitude (500; NaN ignored). Meant for normalized profiles, where
///   it removes features that normalization blew up (a control spread of almost zero).
///
/// The default order is pycytominer's profiling-recipe order: variance, correlation, NaN.
public struct FeatureSelection: Sendable {
    public enum Operation: String, Sendable, CaseIterable, Codable {
        case varianceThreshold = "variance_threshold"
        case frequencyThreshold = "frequency_threshold"
        case correlationThreshold = "correlation_threshold"
        case dropNaColumns = "drop_na_columns"
        case blocklist
        case dropOutliers = "drop_outliers"

        /// Parses a comma-separated list such as `drop_outliers,correlation_threshold`.
        public static func list(_ text: String) throws -> [Operation] {
            try text.split(separator: ",").map { word in
                let w = word.trimmingCharacters(in: .whitespaces)
                guard let op = Operation(rawValue: w) else {
                    throw ProfilingError("unknown feature-selection operation '\(w)' (expected \(allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return op
            }
        }
    }

    public var operations: [Operation]
    public var minVariance: Double
    public var freqCut: Double
    public var uniqueCut: Double
    public var correlationThreshold: Double
    public var naCutoff: Double
    public var outlierCutoff: Double
    public var blocklist: [String]

    public init(operations: [Operation] = [.varianceThreshold, .correlationThreshold, .dropNaColumns],
                minVariance: Double = 1e-6, freqCut: Double = 0.05, uniqueCut: Double = 0.01,
                correlationThreshold: Double = 0.9, naCutoff: Double = 0.05, outlierCutoff: Double = 500,
                blocklist: [String] = FeatureBlocklist.pycytominerDefault) {
        self.operations = operations
        self.minVariance = minVariance
        self.freqCut = freqCut
        self.uniqueCut = uniqueCut
        self.correlationThreshold = correlationThreshold
        self.naCutoff = naCutoff
        self.outlierCutoff = outlierCutoff
        self.blocklist = blocklist
    }

    /// Indices of the features kept, in table order.
    public func selectedFeatures(_ table: ProfileTable) -> [Int] {
        var kept = Array(0..<table.featureCount)
        let columns = kept.map { j in (0..<table.rowCount).map { table[$0, j] } }
        let rows = Double(max(table.rowCount, 1))
        let blocked = Set(blocklist)
        for op in operations {
            let excluded: Set<Int>
            switch op {
            case .varianceThreshold:
                excluded = Set(kept.filter { j in
                    let v = Statistics.std(columns[j].filter { !$0.isNaN })
                    return !(v * v > minVariance)
                })
            case .frequencyThreshold:
                excluded = Set(kept.filter { j in
                    var counts: [Double: Int] = [:]
                    for v in columns[j] where !v.isNaN { counts[v, default: 0] += 1 }
                    let top = counts.values.sorted(by: >)
                    let ratio = top.count < 2 ? 0 : Double(top[1]) / Double(top[0])
                    return ratio < freqCut || Double(counts.count) / rows < uniqueCut
                })
            case .dropNaColumns:
                excluded = Set(kept.filter { j in Double(columns[j].filter(\.isNaN).count) / rows > naCutoff })
            case .correlationThreshold:
                excluded = correlated(kept.map { columns[$0] }).reduce(into: Set<Int>()) { $0.insert(kept[$1]) }
            case .blocklist:
                excluded = Set(kept.filter { blocked.contains(table.featureNames[$0]) })
            case .dropOutliers:
                excluded = Set(kept.filter { j in
                    columns[j].contains { !$0.isNaN && abs($0) > outlierCutoff }
                })
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
