/// Per-plate normalization of features against the plate's DMSO wells, as pycytominer's
/// `normalize(samples="Metadata_Compound == 'DMSO'")` applied plate by plate.
///
/// - `standardize`: (x - mean) / std, population std (scikit-learn's StandardScaler).
/// - `robustZ`: (x - median) / (1.4826 * MAD + epsilon), epsilon = 1e-18 by default
///   (pycytominer's `mad_robustize`).
///
/// Statistics come from the plate's DMSO rows (any case), ignoring NaN values; a plate
/// without DMSO rows is an error naming it. Zero-spread guard: a feature whose spread on
/// the plate's DMSO rows is zero (std, or MAD) is only centred (divided by 1), as
/// StandardScaler does. For robust z this deliberately differs from pycytominer, which
/// would divide by epsilon and blow the feature up to ~1e18.
public struct PlateNormalization: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case standardize
        case robustZ = "robust-z"
    }

    public var method: Method
    public var epsilon: Double
    public var plateColumn: String

    public init(method: Method, epsilon: Double = 1e-18, plateColumn: String = "Metadata_Plate") {
        self.method = method
        self.epsilon = epsilon
        self.plateColumn = plateColumn
    }

    public func apply(to table: ProfileTable) throws -> ProfileTable {
        let plates = try table.metadataValues(plateColumn)
        let isDMSO = try table.metadataValues(TreatmentLabels.compoundColumn).map(TreatmentLabels.isDMSO)
        var rowsOf: [String: [Int]] = [:]
        var order: [String] = []
        for (r, p) in plates.enumerated() {
            if rowsOf[p] == nil { order.append(p) }
            rowsOf[p, default: []].append(r)
        }
        var out = table
        for plate in order {
            let rows = rowsOf[plate]!
            let reference = rows.filter { isDMSO[$0] }
            guard !reference.isEmpty else {
                throw ProfilingError("\(table.sourceDescription): plate '\(plate)' has no DMSO rows to normalize against (first row: \(table.rowOrigins[rows[0]]))")
            }
            for j in 0..<table.featureCount {
                let values = reference.map { table[$0, j] }.filter { !$0.isNaN }
                let center: Double, spread: Double
                switch method {
                case .standardize:
                    center = Statistics.mean(values)
                    let s = Statistics.std(values)
                    spread = s > 0 ? s : 1
                case .robustZ:
                    center = Statistics.median(values)
                    let mad = Statistics.mad(values)
                    spread = mad > 0 ? 1.4826 * mad + epsilon : 1
                }
                for r in rows { out[r, j] = (table[r, j] - center) / spread }
            }
        }
        return out
    }
}
