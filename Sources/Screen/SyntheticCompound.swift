import Core
import Foundation

/// A compound of a synthetic screen: its MoA, its own saturated phenotype (the MoA's,
/// varied per compound so that two compounds of one MoA are alike but not identical),
/// and a Hill dose-response curve that grades the effect with concentration.
public struct SyntheticCompound: Sendable {
    public let name: String
    public let moa: String
    /// Concentration of half-maximal effect, in the screen's concentration unit.
    public let ec50: Double
    public let hillSlope: Double
    /// Fraction of the MoA's effect reached at saturation.
    public let efficacy: Float
    public let saturated: Morphology

    /// The compound `name` of `moa`, with potency placed inside the tested
    /// `concentrations` (so the series spans weak to strong effects) and variation drawn
    /// from `seed` and the name.
    public init(name: String, moa: String, concentrations: [Double], seed: UInt64) {
        self.name = name
        self.moa = moa
        var rng = SeededRandom(seed: seed, stream: [SeededRandom.hash(name), 0xC0A1])
        let positive = concentrations.filter { $0 > 0 }
        if moa == MoAPhenotype.dmsoName || positive.isEmpty {
            ec50 = 1; hillSlope = 1; efficacy = 0; saturated = .control
            return
        }
        let logs = positive.map { log10($0) }
        let lo = logs.min()!, hi = logs.max()!
        // EC50 between the lowest dose and the geometric middle of the series: the top
        // dose is always clearly active, the bottom one weakly.
        let mid = (lo + hi) / 2
        let logEC50 = hi > lo ? Double(rng.uniform(Float(lo), Float(mid))) : lo - Double(rng.uniform(0.3, 0.8))
        ec50 = pow(10, logEC50)
        hillSlope = Double(rng.uniform(1.0, 2.0))
        efficacy = rng.uniform(0.85, 1.05)
        let base = MoAPhenotype.named(moa).saturated
        var m = base
        let control = Morphology.control
        for f in Morphology.fields {
            let delta = base[keyPath: f] - control[keyPath: f]
            m[keyPath: f] = control[keyPath: f] + delta * max(0.5, 1 + 0.2 * rng.normal())
        }
        saturated = m.clamped()
    }

    /// Fraction of the saturated effect at `concentration` (Hill equation times efficacy).
    public func effect(at concentration: Double) -> Float {
        guard concentration > 0, efficacy > 0 else { return 0 }
        let x = pow(concentration / ec50, hillSlope)
        return efficacy * Float(x / (1 + x))
    }

    /// The well phenotype at `concentration`.
    public func morphology(at concentration: Double) -> Morphology {
        Morphology.control.interpolated(to: saturated, effect(at: concentration)).clamped()
    }
}
