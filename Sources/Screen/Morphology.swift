/// The knobs of the synthetic cell model for one well: what an average cell there looks
/// like and how the population is composed. DMSO wells use `control`; a treated well is
/// `control` moved toward its compound's saturated phenotype by the dose-response effect.
///
/// Size fields are factors on the control geometry; fractions are probabilities per cell.
public struct Morphology: Sendable, Equatable {
    /// Nucleus radius factor.
    public var nucleusSize: Float = 1
    /// Nucleus aspect ratio (major / minor axis).
    public var nucleusElongation: Float = 1.2
    /// Amplitude of low-order boundary wobble of nuclei.
    public var nucleusIrregularity: Float = 0.05
    /// DNA stain brightness factor.
    public var dnaIntensity: Float = 1
    /// Chromatin texture contrast (0 = flat).
    public var chromatinTexture: Float = 0.35
    /// Fraction of interphase cells with two or more nuclei.
    public var multinucleation: Float = 0.02
    /// Fraction of cells carrying micronuclei.
    public var micronuclei: Float = 0.03
    /// Fraction of cells in mitosis.
    public var mitoticFraction: Float = 0.04
    /// Fraction of mitoses that are monoastral (a chromatin rosette round one aster).
    public var monoastral: Float = 0
    /// Fraction of mitoses without a spindle (chromosomes scattered in clumps).
    public var spindleFailure: Float = 0
    /// Fraction of mitoses with more than two spindle poles.
    public var multipolar: Float = 0
    /// Cell body radius factor.
    public var cellSize: Float = 1
    /// Cell body aspect ratio.
    public var cellElongation: Float = 1.35
    /// Amplitude of cell boundary wobble (protrusions).
    public var cellIrregularity: Float = 0.25
    /// Fraction of interphase cells rounded up (small, round, bright rim).
    public var rounding: Float = 0.03
    /// Cytoplasm brightness factor (tubulin and actin).
    public var cytoplasmIntensity: Float = 1
    /// Microtubule count factor.
    public var tubulinFilaments: Float = 1
    /// Microtubule bundling (0 = fine filaments, 1 = thick bright bundles).
    public var tubulinBundling: Float = 0
    /// Share of tubulin that is diffuse rather than polymerised.
    public var tubulinDiffuse: Float = 0.35
    /// Actin stress fibre count factor.
    public var actinFibres: Float = 1
    /// Actin puncta (aggregates) per cell.
    public var actinPuncta: Float = 0
    /// Cortical actin rim strength.
    public var actinRim: Float = 1
    /// Cytoplasmic granules (vesicles, aggregates) per cell.
    public var granularity: Float = 0
    /// Relative number of cells per site (viability and proliferation).
    public var density: Float = 1
    /// Colony compactness (higher = tighter clumps).
    public var clustering: Float = 1

    public init() {}

    /// The untreated (DMSO) MCF-7 phenotype.
    public static let control = Morphology()

    /// Every field, for interpolation and per-compound variation.
    public static let fields: [WritableKeyPath<Morphology, Float>] = [
        \.nucleusSize, \.nucleusElongation, \.nucleusIrregularity, \.dnaIntensity, \.chromatinTexture,
        \.multinucleation, \.micronuclei, \.mitoticFraction, \.monoastral, \.spindleFailure, \.multipolar,
        \.cellSize, \.cellElongation, \.cellIrregularity, \.rounding, \.cytoplasmIntensity,
        \.tubulinFilaments, \.tubulinBundling, \.tubulinDiffuse, \.actinFibres, \.actinPuncta,
        \.actinRim, \.granularity, \.density, \.clustering,
    ]

    /// The names of `fields`, in the same order (the property names), for the ground-truth
    /// table of per-well parameters (`ground_truth/phenotypes.csv`).
    public static let fieldNames = [
        "nucleusSize", "nucleusElongation", "nucleusIrregularity", "dnaIntensity", "chromatinTexture",
        "multinucleation", "micronuclei", "mitoticFraction", "monoastral", "spindleFailure", "multipolar",
        "cellSize", "cellElongation", "cellIrregularity", "rounding", "cytoplasmIntensity",
        "tubulinFilaments", "tubulinBundling", "tubulinDiffuse", "actinFibres", "actinPuncta",
        "actinRim", "granularity", "density", "clustering",
    ]

    /// `self` moved a fraction `t` of the way to `target`, field by field.
    public func interpolated(to target: Morphology, _ t: Float) -> Morphology {
        var out = self
        for f in Morphology.fields { out[keyPath: f] = self[keyPath: f] + (target[keyPath: f] - self[keyPath: f]) * t }
        return out
    }

    /// Clamps fractions to [0, 1] and factors to a positive floor, so that variations
    /// never produce an impossible cell.
    public func clamped() -> Morphology {
        var out = self
        let fractions: [WritableKeyPath<Morphology, Float>] = [
            \.multinucleation, \.micronuclei, \.mitoticFraction, \.monoastral, \.spindleFailure,
            \.multipolar, \.rounding, \.tubulinBundling, \.tubulinDiffuse,
        ]
        for f in Morphology.fields { out[keyPath: f] = max(0, out[keyPath: f]) }
        for f in fractions { out[keyPath: f] = min(1, out[keyPath: f]) }
        out.mitoticFraction = min(out.mitoticFraction, 0.7)
        out.nucleusSize = max(out.nucleusSize, 0.4)
        out.cellSize = max(out.cellSize, 0.4)
        out.nucleusElongation = max(out.nucleusElongation, 1)
        out.cellElongation = max(out.cellElongation, 1)
        out.density = max(out.density, 0.1)
        out.clustering = max(out.clustering, 0.2)
        return out
    }
}
