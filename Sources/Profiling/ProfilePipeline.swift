/// The preprocessing steps between per-cell vectors and evaluation, each switchable, run
/// in pycytominer's order: aggregate (e.g. cells to wells) -> per-plate normalization
/// against DMSO -> feature selection -> sphering against DMSO. A step left nil is skipped.
public struct ProfilePipeline: Sendable {
    public var aggregation: Aggregation?
    public var normalization: PlateNormalization?
    public var featureSelection: FeatureSelection?
    public var spherize: Spherize?

    public init(aggregation: Aggregation? = nil, normalization: PlateNormalization? = nil,
                featureSelection: FeatureSelection? = nil, spherize: Spherize? = nil) {
        self.aggregation = aggregation
        self.normalization = normalization
        self.featureSelection = featureSelection
        self.spherize = spherize
    }

    /// Whether the input may hold NaN (CellProfiler's undefined measurements): aggregation
    /// and normalization skip them as pycytominer does, so only sphering, which needs every
    /// value, refuses them, unless the NaN-dropping selection step removes them first.
    public var acceptsMissingValues: Bool {
        spherize == nil || (featureSelection?.operations.contains(.dropNaColumns) ?? false)
    }

    public func apply(to table: ProfileTable) throws -> ProfileTable {
        var t = table
        if let a = aggregation { t = try a.apply(to: t) }
        if let n = normalization { t = try n.apply(to: t) }
        if let f = featureSelection { t = f.apply(to: t) }
        if let s = spherize { t = try s.apply(to: t) }
        return t
    }
}
