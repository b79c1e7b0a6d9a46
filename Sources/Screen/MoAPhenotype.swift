import Core

/// A mechanism of action as the synthetic cell model sees it: the morphology of a well
/// treated at a saturating dose. Each class moves a different set of `Morphology` fields,
/// so the classes differ in distinct ways (nuclear size, multinucleation, microtubule
/// bundling, actin fibres, rounding, mitotic arrest ...), not by one shared axis.
///
/// The names are the 12 BBBC021 MoA labels, so the BBBC021 preset and the standard
/// preset share one vocabulary; an unknown name gets a random but fixed phenotype
/// derived from the name.
public struct MoAPhenotype: Sendable {
    public let name: String
    /// The well phenotype at a saturating dose.
    public let saturated: Morphology

    public static let dmsoName = "DMSO"

    /// The classes the standard preset draws from (nine BBBC021 MoAs with the most
    /// distinctive published phenotypes).
    public static let standardNames = [
        "DNA damage", "Microtubule stabilizers", "Microtubule destabilizers", "Actin disruptors",
        "Aurora kinase inhibitors", "Protein synthesis", "Kinase inhibitors", "Cholesterol-lowering",
        "Eg5 inhibitors",
    ]

    public init(name: String, saturated: Morphology) {
        self.name = name
        self.saturated = saturated
    }

    /// The phenotype for an MoA name.
    public static func named(_ name: String) -> MoAPhenotype {
        var m = Morphology.control
        switch name {
        case dmsoName:
            break
        case "DNA damage":
            // Cells stall in G2 and keep growing: big, flat cells with big nuclei, micronuclei.
            m.nucleusSize = 1.45; m.cellSize = 1.35; m.micronuclei = 0.45; m.density = 0.55
            m.mitoticFraction = 0.01; m.chromatinTexture = 0.5; m.nucleusIrregularity = 0.09
        case "DNA replication":
            // S-phase arrest: somewhat larger, brighter, smoother nuclei; fewer cells.
            m.nucleusSize = 1.2; m.dnaIntensity = 1.45; m.chromatinTexture = 0.18; m.density = 0.6
            m.mitoticFraction = 0.005; m.cellSize = 1.1
        case "Microtubule stabilizers":
            // Taxol-like: thick bright microtubule bundles, multipolar mitotic arrest.
            m.tubulinBundling = 1; m.tubulinFilaments = 1.4; m.tubulinDiffuse = 0.1
            m.mitoticFraction = 0.25; m.multipolar = 0.6; m.multinucleation = 0.12
            m.micronuclei = 0.2; m.density = 0.75
        case "Microtubule destabilizers":
            // Nocodazole-like: no polymerised tubulin, mitotic arrest with scattered
            // chromosomes, rounded cells.
            m.tubulinFilaments = 0.1; m.tubulinDiffuse = 1; m.mitoticFraction = 0.45
            m.spindleFailure = 0.9; m.rounding = 0.45; m.cellSize = 0.85; m.actinFibres = 0.5
            m.density = 0.8
        case "Actin disruptors":
            // Cytochalasin-like: actin collapses into puncta, no fibres, ragged cells,
            // binucleation from failed cytokinesis.
            m.actinFibres = 0.05; m.actinPuncta = 14; m.actinRim = 0.3; m.cellIrregularity = 0.3
            m.multinucleation = 0.3; m.cellSize = 0.9
        case "Aurora kinase inhibitors":
            // Endoreduplication: huge polyploid cells with several nuclei.
            m.multinucleation = 0.65; m.nucleusSize = 1.4; m.cellSize = 1.6; m.density = 0.45
            m.nucleusIrregularity = 0.15; m.mitoticFraction = 0.02; m.micronuclei = 0.2
        case "Eg5 inhibitors":
            // Monastrol-like: mitotic arrest with monoastral spindles (chromatin rosettes).
            m.mitoticFraction = 0.5; m.monoastral = 0.95; m.rounding = 0.25; m.density = 0.85
        case "Protein synthesis":
            // Emetine-like: small, dim cells and nuclei, sparse.
            m.cellSize = 0.7; m.nucleusSize = 0.7; m.cytoplasmIntensity = 0.5; m.dnaIntensity = 0.8
            m.density = 0.6; m.mitoticFraction = 0.01; m.actinFibres = 0.6
        case "Protein degradation":
            // Proteasome inhibitors: rounded cells with perinuclear aggregates.
            m.rounding = 0.35; m.granularity = 10; m.nucleusSize = 1.1; m.mitoticFraction = 0.12
            m.density = 0.7; m.tubulinDiffuse = 0.6
        case "Kinase inhibitors":
            // Elongated, spindle-shaped cells with aligned fibres.
            m.cellElongation = 2.6; m.nucleusElongation = 1.6; m.actinFibres = 1.6
            m.cellIrregularity = 0.08; m.cellSize = 1.1
        case "Cholesterol-lowering":
            // Statins: granular, vesicle-rich cytoplasm, slightly smaller cells.
            m.granularity = 22; m.cellSize = 0.9; m.tubulinDiffuse = 0.5; m.actinRim = 0.7
        case "Epithelial":
            // Src inhibitors: tight epithelial islands, strong cortical actin, few fibres.
            m.clustering = 2.6; m.actinRim = 2.2; m.actinFibres = 0.3; m.cellSize = 0.85
            m.cellElongation = 1.1; m.cellIrregularity = 0.06
        default:
            var rng = SeededRandom(seed: SeededRandom.hash(name), stream: [0xA11CE])
            for f in Morphology.fields where rng.uniform() < 0.3 {
                m[keyPath: f] *= rng.logNormal(0.4)
            }
        }
        return MoAPhenotype(name: name, saturated: m.clamped())
    }
}
