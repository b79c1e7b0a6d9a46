/// Which plates, wells and sites a synthetic screen has and what each well received.
///
/// A layout is pure bookkeeping (no pixels): `ScreenLayout.standard` invents one,
/// `ScreenLayout.bbbc021` copies the real BBBC021 MoA subset; `SyntheticScreen` renders it.
public struct ScreenLayout: Sendable {
    /// A plate and the batch (imaging week) it was acquired in.
    public struct Plate: Hashable, Sendable {
        public var name: String
        public var batch: String
        public init(name: String, batch: String) { self.name = name; self.batch = batch }
    }

    /// One well: where it is, what it got, which site numbers were imaged.
    public struct Well: Sendable {
        public var plate: String
        public var batch: String
        public var position: WellPosition
        public var treatment: Treatment
        public var sites: [Int]
        public init(plate: String, batch: String, position: WellPosition, treatment: Treatment, sites: [Int]) {
            self.plate = plate; self.batch = batch; self.position = position
            self.treatment = treatment; self.sites = sites
        }
    }

    /// Bounds on what a synthetic layout may ask for (`synth` options and the run config's
    /// `screen.synthetic`): far above any screen this machine could render, yet small enough
    /// that the layout's bookkeeping cannot overflow or exhaust memory before a pixel is drawn.
    public static let maxPlates = 1_000
    public static let maxSitesPerWell = 100
    public static let maxCompoundsPerMoA = 100

    public var plates: [Plate]
    /// Wells grouped by plate (in `plates` order), then by position.
    public var wells: [Well]
    /// Each compound's dose-response model, keyed by compound name.
    public var compounds: [String: SyntheticCompound]

    /// Builds the compound models for the treatments in `wells` under `seed`.
    public init(plates: [Plate], wells: [Well], seed: UInt64) {
        self.plates = plates
        let order = Dictionary(uniqueKeysWithValues: plates.enumerated().map { ($1.name, $0) })
        self.wells = wells.sorted {
            (order[$0.plate] ?? 0, $0.position) < (order[$1.plate] ?? 0, $1.position)
        }
        var doses: [String: (moa: String, concentrations: Set<Double>)] = [:]
        for w in wells {
            doses[w.treatment.compound, default: (w.treatment.moa, [])].concentrations.insert(w.treatment.concentration)
        }
        var compounds: [String: SyntheticCompound] = [:]
        for (name, d) in doses {
            compounds[name] = SyntheticCompound(name: name, moa: d.moa, concentrations: d.concentrations.sorted(), seed: seed)
        }
        self.compounds = compounds
    }

    /// Every distinct treatment, sorted by MoA, compound, concentration.
    public var treatments: [Treatment] {
        Set(wells.map(\.treatment)).sorted {
            ($0.moa, $0.compound, $0.concentration) < ($1.moa, $1.compound, $1.concentration)
        }
    }

    /// The number of sites over all wells.
    public var siteCount: Int { wells.reduce(0) { $0 + $1.sites.count } }

    /// The well phenotype of `treatment` before well-to-well variation.
    public func morphology(of treatment: Treatment) -> Morphology {
        compounds[treatment.compound]?.morphology(at: treatment.concentration) ?? .control
    }
}
