/// What was done to a well: a compound at a concentration, and its MoA.
///
/// A treatment is identified by compound and concentration alone: equality, hashing and
/// ordering ignore `moa`, which is an annotation (possibly empty, possibly only known from a
/// second table). Concentrations compare numerically, so `1`, `1.0` and `1.000000` (as
/// BBBC021's two tables spell the same dose) are one treatment.
public struct Treatment: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var compound: String
    public var concentration: Double
    public var moa: String

    public init(compound: String, concentration: Double, moa: String = "") {
        self.compound = compound
        self.concentration = concentration
        self.moa = moa
    }

    /// True for the vehicle control; DESIGN.md says `DMSO` in any case.
    public var isControl: Bool { compound.caseInsensitiveCompare("DMSO") == .orderedSame }

    /// The concentration as written in CSV files: shortest decimal form, no trailing `.0`.
    public var concentrationText: String { Treatment.format(concentration) }

    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(describing: value)
    }

    public var description: String { "\(compound)@\(concentrationText)" }

    public static func == (a: Treatment, b: Treatment) -> Bool {
        a.compound == b.compound && a.concentration == b.concentration
    }

    public func hash(into h: inout Hasher) {
        h.combine(compound)
        h.combine(concentration)
    }

    public static func < (a: Treatment, b: Treatment) -> Bool {
        (a.compound, a.concentration) < (b.compound, b.concentration)
    }
}
