/// What was done to a well: a compound at a concentration, and its (true) MoA.
public struct Treatment: Hashable, Sendable {
    public var compound: String
    public var concentration: Double
    public var moa: String

    public init(compound: String, concentration: Double, moa: String) {
        self.compound = compound
        self.concentration = concentration
        self.moa = moa
    }

    /// The concentration as written in CSV files: shortest decimal form, no trailing `.0`.
    public var concentrationText: String { Treatment.format(concentration) }

    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(describing: value)
    }
}
