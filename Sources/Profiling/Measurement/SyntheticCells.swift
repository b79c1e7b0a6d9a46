import Core
import Foundation
import Imaging

/// A deterministic synthetic site of non-touching elliptical cells, each with an off-centre
/// elliptical nucleus, for benchmarks and tests of the per-cell measurements.
///
/// Two channels: `DNA` (bright, textured nuclei) and `Tubulin` (cytoplasm brightening
/// toward the cell edge, with oriented stripes), on a noisy background, quantised to 16-bit
/// steps and scaled to 0...1 as CellProfiler loads 16-bit images. Same seed, same site.
public struct SyntheticCellSite: Sendable {
    public let channels: [String: Image<Float>]
    public let nuclei: Image<Int32>
    public let cells: Image<Int32>

    public init(width: Int = 640, height: Int = 512, cells target: Int = 100, seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var cellLabels = Image<Int32>(width: width, height: height, repeating: 0)
        var nucleusLabels = Image<Int32>(width: width, height: height, repeating: 0)
        var dna = Image<Float>(width: width, height: height, repeating: 0)
        var tub = Image<Float>(width: width, height: height, repeating: 0)
        var label: Int32 = 0
        var attempts = 0
        while Int(label) < target && attempts < target * 200 {
            attempts += 1
            let a = rng.uniformDouble(14, 22), b = rng.uniformDouble(9, 15)
            let cx = rng.uniformDouble(a + 3, Double(width) - a - 3), cy = rng.uniformDouble(a + 3, Double(height) - a - 3)
            let th = rng.uniformDouble(0, .pi), phase = rng.uniformDouble(0, 6.3)
            let (cs, sn) = (cos(th), sin(th))
            let ox = rng.uniformDouble(-0.25, 0.25) * a, oy = rng.uniformDouble(-0.25, 0.25) * b
            let dnaLevel = rng.uniformDouble(0.25, 0.5), tubLevel = rng.uniformDouble(0.1, 0.3)
            let x0 = Int(cx - a * 1.2) - 1, x1 = Int(cx + a * 1.2) + 1
            let y0 = Int(cy - a * 1.2) - 1, y1 = Int(cy + a * 1.2) + 1
            func geometry(_ x: Int, _ y: Int) -> (u: Double, v: Double, inCell: Bool) {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let u = dx * cs + dy * sn, v = -dx * sn + dy * cs
                let wobble = 1 + 0.12 * sin(3 * atan2(v, u) + phase)
                return (u, v, (u / a) * (u / a) + (v / b) * (v / b) <= wobble * wobble)
            }
            // Reject a cell that would touch (4-neighbourhood) an existing one.
            var clash = false
            outer: for y in max(y0, 1)...min(y1, height - 2) {
                for x in max(x0, 1)...min(x1, width - 2) where geometry(x, y).inCell {
                    for (ddx, ddy) in [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)] where cellLabels[x + ddx, y + ddy] != 0 {
                        clash = true; break outer
                    }
                }
            }
            if clash { continue }
            label += 1
            for y in max(y0, 0)...min(y1, height - 1) {
                for x in max(x0, 0)...min(x1, width - 1) {
                    let (u, v, inCell) = geometry(x, y)
                    guard inCell else { continue }
                    cellLabels[x, y] = label
                    let rc = ((u / a) * (u / a) + (v / b) * (v / b)).squareRoot()
                    tub[x, y] += Float(tubLevel * (0.4 + 0.6 * rc) * (1 + 0.4 * sin((u + 2 * v) / 2.1)))
                    let nu = (u - ox) / (0.5 * a), nv = (v - oy) / (0.55 * b)
                    if nu * nu + nv * nv <= 1 {
                        nucleusLabels[x, y] = label
                        let rn = (nu * nu + nv * nv).squareRoot()
                        dna[x, y] += Float(dnaLevel * (1 - 0.5 * rn) * (1 + 0.3 * sin(Double(x) / 1.7) * cos(Double(y) / 2.3)))
                    }
                }
            }
        }
        for i in 0..<(width * height) {
            let d = Double(dna.pixels[i]) + 0.02 + 0.01 * rng.uniformDouble(0, 1)
            let t = Double(tub.pixels[i]) + 0.02 + 0.02 * rng.uniformDouble(0, 1)
            dna.pixels[i] = Float((min(max(d, 0), 1) * 65535).rounded() / 65535)
            tub.pixels[i] = Float((min(max(t, 0), 1) * 65535).rounded() / 65535)
        }
        channels = ["DNA": dna, "Tubulin": tub]
        nuclei = nucleusLabels
        cells = cellLabels
    }
}
