/// Per-plate normalization of features against the plate's DMSO wells, as pycytominer's
/// `normalize(samples="Metadata_Compound == 'DMSO'")` applied plate by plate.
///
/// - `standardize`: (x - mean) / std, population std (scikit-learn's StandardScaler).
/// - `robustZ`: (x - median) / (1.4826 * MAD + epsilon), epsilon = 1e-18 by default
///   (pycytominer's `mad_robustize`, except for the zero-spread guard below).
///
/// Statistics come from the plate's DMSO rows (any case), ignoring NaN values; a plate
/// without DMSO rows is an error naming it. Zero-spread guard: a feature whose spread on
/// the plate's DMSO rows is zero (std, or MAD) is only centred (divided by 1), as
/// StandardScaler does. For robust z this deliberately differs from pycytominer, which
/// would divide by epsilon and blow the feature up to ~1e18.
/// - `madRobustize`: pycytominer's `mad_robustize` exactly, (x - median) / (1.4826 * MAD +
///   epsilon), zero spread included: such a
///   feature is divided by epsilon, so its values become 0 or about 1e18, and pycytominer's
///   `drop_outliers` selection (`FeatureSelection`) then removes it. This is the pipeline
///   pycytominer users run (`mad_robustize` then `drop_outliers`).
public struct PlateNormalization: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case standardize
        case robustZ = "robust-z"
        case madRobustize = "mad_robustize"
    }

    public var method: Method
    public var epsilon: Double
    public var plateColumn: String

    public init(method: Method, epsilon: Double = 1e-18, plateColumn: String = "Metadata_Plate") {
        self.method = method
        self.epsilon = epsilon
        self.plateColumn = plateColumn
    }

    /// One plate's centre and scale per feature: a normalized value is (x - centre) / scale.
    public struct Scaling: Codable, Equatable, Sendable {
        public var center: [Double]
        public var scale: [Double]
        public init(center: [Double], scale: [Double]) { self.center = center; self.scale = scale }

        /// `values` (one per feature, in the same order) normalized.
        public func apply(_ values: [Double]) -> [Double] {
            zip(values, zip(center, scale)).map { ($0 - $1.0) / $1.1 }
        }
    }

    /// Each plate's scaling from its DMSO rows, plates in order of first appearance, with
    /// the rows of each plate.
    public func scalings(of table: ProfileTable) throws -> [(plate: String, rows: [Int], scaling: Scaling)] {
        let plates = try table.metadataValues(plateColumn)
        let isDMSO = try table.metadataValues(TreatmentLabels.compoundColumn).map(TreatmentLabels.isDMSO)
        var rowsOf: [String: [Int]] = [:]
        var order: [String] = []
        for (r, p) in plates.enumerated() {
            if rowsOf[p] == nil { order.append(p) }
            rowsOf[p, default: []].append(r)
        }
        return try order.map { plate in
            let rows = rowsOf[plate] ?? []
            let reference = rows.filter { isDMSO[$0] }
            guard !reference.isEmpty else {
                throw ProfilingError("\(table.sourceDescription): plate '\(plate)' has no DMSO rows to normalize against (first row: \(table.rowOrigins[rows[0]]))")
            }
            var stats = Scaling(center: [], scale: [])
            for j in 0..<table.featureCount {
                let values = reference.map { table[$0, j] }.filter { !$0.isNaN }
                switch method {
                case .standardize:
                    stats.center.append(Statistics.mean(values))
                    let s = Statistics.std(values)
                    stats.scale.append(s > 0 ? s : 1)
                case .robustZ:
                    stats.center.append(Statistics.median(values))
                    let mad = Statistics.mad(values)
                    stats.scale.append(mad > 0 ? 1.4826 * mad + epsilon : 1)
                case .madRobustize:
                    stats.center.append(Statistics.median(values))
                    stats.scale.append(1.4826 * Statistics.mad(values) + epsilon)
                }
            }
            return (plate, rows, stats)
        }
    }

    public func apply(to table: ProfileTable) throws -> ProfileTable {
        var out = table
        for (_, rows, stats) in try scalings(of: table) {
            for j in 0..<table.featureCount {
                for r in rows { out[r, j] = (table[r, j] - stats.center[j]) / stats.scale[j] }
            }
        }
        return out
    }
}
