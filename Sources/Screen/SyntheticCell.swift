import Core
import Foundation

/// One drawn cell: its body, its nuclei and the parameters of its cytoskeleton, sampled
/// from a well's `Morphology`. Geometry is in pixels at half the BBBC021 resolution
/// (a 640 x 512 site shows about the field of a 1280 x 1024 BBBC021 image).
struct SyntheticCell: Sendable {
    /// What the cell is doing; mitotic states change nucleus, spindle and shape.
    enum State: Sendable { case interphase, rounded, metaphase, multipolar, monoastral, scattered }

    /// How a nucleus's chromatin is drawn.
    enum ChromatinKind: Sendable { case interphase, condensed, ring, clumps }

    struct Nucleus: Sendable {
        var shape: StarShape
        var intensity: Float
        var texture: Float
        var kind: ChromatinKind
        /// 6 x 6 lattice of smooth chromatin texture over the nucleus bounding square.
        var lattice: [Float]
        /// Bright chromocentres / dark nucleoli / condensed clumps: (x, y, 1/(2 sigma^2), amplitude).
        var spots: [SIMD4<Float>]
    }

    static let nucleusRadius: Float = 9.5
    static let cellRadius: Float = 20

    var body: StarShape
    var nuclei: [Nucleus]
    var state: State
    var cytoplasm: Float
    /// Microtubule organising centres (one centrosome, or spindle poles).
    var poles: [SIMD2<Float>]
    var filaments: Int
    var filamentWeight: Float
    var filamentLength: Float
    var thickFilaments: Bool
    var diffuseTubulin: Float
    var fibres: Int
    var fibreAngle: Float
    var rim: Float
    var puncta: Int
    var granules: Int
    /// Seed for the drawing-time randomness (filament paths, puncta placement).
    var drawSeed: UInt64
    /// 6 x 6 lattice of smooth cytoplasm texture over the body's bounding square.
    var cytoLattice: [Float]

    /// Samples a cell centred at the origin.
    init(morphology m: Morphology, rng: inout SeededRandom) {
        let u = rng.uniform()
        if u < m.mitoticFraction {
            let k = rng.uniform()
            if k < m.monoastral { state = .monoastral }
            else if k < m.monoastral + m.spindleFailure { state = .scattered }
            else if rng.uniform() < m.multipolar { state = .multipolar }
            else { state = .metaphase }
        } else if rng.uniform() < m.rounding {
            state = .rounded
        } else {
            state = .interphase
        }
        var rn = SyntheticCell.nucleusRadius * m.nucleusSize * rng.logNormal(0.12)
        var radius = SyntheticCell.cellRadius * m.cellSize * rng.logNormal(0.15)
        let angle = rng.uniform(0, .pi)
        let dna = m.dnaIntensity * rng.logNormal(0.12)
        let texture = m.chromatinTexture * rng.logNormal(0.25)
        cytoplasm = m.cytoplasmIntensity * rng.logNormal(0.2)
        poles = []
        nuclei = []
        diffuseTubulin = m.tubulinDiffuse
        rim = m.actinRim * rng.logNormal(0.2)
        fibres = 0
        fibreAngle = angle + 0.3 * rng.normal()
        filaments = 0
        filamentWeight = 0.35
        filamentLength = radius * 3
        thickFilaments = false
        puncta = rng.poisson(m.actinPuncta)
        granules = rng.poisson(m.granularity)

        switch state {
        case .interphase, .rounded:
            var count = 1
            if rng.uniform() < m.multinucleation { count = min(4, 2 + rng.poisson(0.5)) }
            if count > 1 { rn *= 0.85; radius *= 1 + 0.2 * Float(count - 1) }
            if state == .rounded { radius *= 0.62; cytoplasm *= 1.4; rim *= 1.5 }
            radius = max(radius, rn * (count > 1 ? 2.2 : 1.5))
            let elong = state == .rounded ? 1.05 : m.cellElongation * rng.logNormal(0.15)
            body = StarShape(cx: 0, cy: 0, a: radius * elong.squareRoot(), b: radius / elong.squareRoot(),
                             angle: angle, irregularity: state == .rounded ? 0.03 : m.cellIrregularity,
                             harmonics: 6, rng: &rng)
            let nucleusElong = m.nucleusElongation * rng.logNormal(0.1)
            let ring = count > 1 ? rn * 1.0 : rn * 0.3 * rng.uniform()
            let start = rng.uniform(0, 2 * .pi)
            for i in 0..<count {
                let t = start + 2 * .pi * Float(i) / Float(count)
                let x = ring * cos(t), y = ring * sin(t)
                let r = rn * rng.logNormal(0.06)
                nuclei.append(SyntheticCell.nucleus(
                    x: x, y: y, a: r * nucleusElong.squareRoot(), b: r / nucleusElong.squareRoot(),
                    angle: angle + 0.4 * rng.normal(), irregularity: m.nucleusIrregularity,
                    intensity: dna, texture: texture, kind: .interphase, rng: &rng))
            }
            if rng.uniform() < m.micronuclei {
                for _ in 0..<(1 + rng.poisson(0.4)) {
                    let t = rng.uniform(0, 2 * .pi), d = rn * rng.uniform(1.25, 1.7)
                    let r = rng.uniform(1.4, 2.4)
                    nuclei.append(SyntheticCell.nucleus(
                        x: nuclei[0].shape.cx + d * cos(t), y: nuclei[0].shape.cy + d * sin(t), a: r, b: r,
                        angle: 0, irregularity: 0.05, intensity: dna * 1.2, texture: 0.1, kind: .interphase, rng: &rng))
                }
            }
            let t = rng.uniform(0, 2 * .pi)
            let c0 = nuclei[0]
            poles = [SIMD2(c0.shape.cx + rn * 1.05 * cos(t), c0.shape.cy + rn * 1.05 * sin(t))]
            filaments = Int((40 * m.tubulinFilaments * radius / SyntheticCell.cellRadius * rng.logNormal(0.2)).rounded())
            thickFilaments = rng.uniform() < m.tubulinBundling
            filamentWeight = 0.16 * (1 + 3 * m.tubulinBundling)
            if state == .interphase {
                fibres = rng.poisson(6 * m.actinFibres * radius / SyntheticCell.cellRadius)
            }
        case .metaphase, .multipolar, .monoastral, .scattered:
            radius = max(rn * 1.9, radius * 0.68)
            cytoplasm *= 1.5
            rim *= 1.6
            body = StarShape(cx: 0, cy: 0, a: radius * 1.04, b: radius / 1.04, angle: angle,
                             irregularity: 0.03, harmonics: 3, rng: &rng)
            filamentLength = rn * 1.6
            switch state {
            case .metaphase:
                nuclei = [SyntheticCell.nucleus(x: 0, y: 0, a: rn * 0.8, b: rn * 0.3, angle: angle,
                                                irregularity: 0.12, intensity: dna * 1.9, texture: 0.1,
                                                kind: .condensed, rng: &rng)]
                let d = rn * 1.15
                poles = [SIMD2(-d * sin(angle), d * cos(angle)), SIMD2(d * sin(angle), -d * cos(angle))]
                filaments = 16
            case .multipolar:
                nuclei = [SyntheticCell.nucleus(x: 0, y: 0, a: rn * 0.65, b: rn * 0.55, angle: angle,
                                                irregularity: 0.3, intensity: dna * 1.8, texture: 0.1,
                                                kind: .condensed, rng: &rng)]
                let n = 3 + rng.int(below: 2)
                for i in 0..<n {
                    let t = angle + 2 * .pi * Float(i) / Float(n)
                    poles.append(SIMD2(rn * 1.15 * cos(t), rn * 1.15 * sin(t)))
                }
                filaments = 12
                filamentWeight *= 1.5
            case .monoastral:
                nuclei = [SyntheticCell.nucleus(x: 0, y: 0, a: rn * 0.7, b: rn * 0.7, angle: angle,
                                                irregularity: 0.1, intensity: dna * 1.8, texture: 0.1,
                                                kind: .ring, rng: &rng)]
                poles = [SIMD2(0, 0)]
                filaments = 28
            default:  // .scattered
                nuclei = [SyntheticCell.nucleus(x: 0, y: 0, a: rn * 0.75, b: rn * 0.75, angle: angle,
                                                irregularity: 0.2, intensity: dna * 1.7, texture: 0.1,
                                                kind: .clumps, rng: &rng)]
                diffuseTubulin = 1
            }
        }
        drawSeed = rng.next()
        cytoLattice = (0..<36).map { _ in rng.uniform() }
    }

    /// Moves the whole cell by (dx, dy).
    mutating func translate(_ dx: Float, _ dy: Float) {
        body.cx += dx; body.cy += dy
        for i in nuclei.indices {
            nuclei[i].shape.cx += dx; nuclei[i].shape.cy += dy
            for j in nuclei[i].spots.indices { nuclei[i].spots[j].x += dx; nuclei[i].spots[j].y += dy }
        }
        for i in poles.indices { poles[i] += SIMD2(dx, dy) }
    }

    private static func nucleus(x: Float, y: Float, a: Float, b: Float, angle: Float, irregularity: Float,
                                intensity: Float, texture: Float, kind: ChromatinKind,
                                rng: inout SeededRandom) -> Nucleus {
        let shape = StarShape(cx: x, cy: y, a: a, b: b, angle: angle, irregularity: irregularity,
                              harmonics: 4, rng: &rng)
        let lattice = (0..<36).map { _ in rng.uniform() }
        var spots: [SIMD4<Float>] = []
        func addSpots(_ n: Int, sigma: ClosedRange<Float>, amplitude: ClosedRange<Float>, spread: Float) {
            for _ in 0..<n {
                let t = rng.uniform(0, 2 * .pi), r = spread * rng.uniform().squareRoot()
                let px = x + r * (a * cos(t) * shape.cosA - b * sin(t) * shape.sinA)
                let py = y + r * (a * cos(t) * shape.sinA + b * sin(t) * shape.cosA)
                let s = rng.uniform(sigma.lowerBound, sigma.upperBound)
                spots.append(SIMD4(px, py, 1 / (2 * s * s), rng.uniform(amplitude.lowerBound, amplitude.upperBound)))
            }
        }
        switch kind {
        case .interphase:
            addSpots(2 + rng.int(below: 5), sigma: 0.6...1.1, amplitude: 0.25...0.6, spread: 0.75)
            addSpots(1 + rng.int(below: 2), sigma: 1.2...1.8, amplitude: -0.35 ... -0.2, spread: 0.5)
        case .clumps:
            addSpots(8 + rng.int(below: 7), sigma: 0.8...1.4, amplitude: 1.2...2.2, spread: 0.9)
        case .condensed, .ring:
            addSpots(3, sigma: 0.6...1.0, amplitude: 0.2...0.4, spread: 0.7)
        }
        return Nucleus(shape: shape, intensity: intensity, texture: texture, kind: kind, lattice: lattice, spots: spots)
    }
}
