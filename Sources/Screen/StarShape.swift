import Core
import Foundation

/// A star-shaped region: an ellipse whose radius is modulated by a few angular
/// harmonics. Nuclei, cell bodies and debris are all drawn from it.
///
/// `distance` is the normalised radius (< 1 inside), computed without trigonometric
/// calls per pixel: the angle's harmonics come from the rotated offset by recurrence.
struct StarShape: Sendable {
    var cx: Float, cy: Float
    /// Semi-axes along and across `angle`.
    var a: Float, b: Float
    var cosA: Float, sinA: Float
    /// Harmonic k (from 2) has amplitude `amp[k-2]` and phase given as (cos, sin).
    var amp: [Float]
    var phaseCos: [Float]
    var phaseSin: [Float]
    /// 1 + sum of |amp|: no boundary point lies further out (in ellipse units).
    var maxFactor: Float = 1

    init(cx: Float, cy: Float, a: Float, b: Float, angle: Float, irregularity: Float, harmonics: Int,
         rng: inout SeededRandom) {
        self.cx = cx; self.cy = cy; self.a = a; self.b = b
        cosA = cos(angle); sinA = sin(angle)
        amp = []; phaseCos = []; phaseSin = []
        for k in 0..<harmonics {
            amp.append(irregularity * rng.uniform(0.2, 1) / Float(1 + k))
            let ph = rng.uniform(0, 2 * .pi)
            phaseCos.append(cos(ph)); phaseSin.append(sin(ph))
        }
        maxFactor = 1 + amp.reduce(0) { $0 + abs($1) }
    }

    /// Largest radius the boundary can reach, for bounding boxes.
    var extent: Float { max(a, b) * maxFactor }

    /// Normalised distance of (x, y): 0 at the centre, 1 on the boundary.
    @inline(__always)
    func distance(_ x: Float, _ y: Float) -> Float {
        let dx = x - cx, dy = y - cy
        let u = (dx * cosA + dy * sinA) / a
        let v = (-dx * sinA + dy * cosA) / b
        let r = (u * u + v * v).squareRoot()
        // Beyond the outermost possible boundary the harmonics cannot bring it inside.
        if r < 1e-6 || amp.isEmpty || r >= maxFactor { return r }
        let c1 = u / r, s1 = v / r
        // cos/sin of k*theta for k = 2, 3, ... by complex multiplication.
        var ck = c1 * c1 - s1 * s1, sk = 2 * c1 * s1
        var f: Float = 1
        for k in 0..<amp.count {
            f += amp[k] * (ck * phaseCos[k] - sk * phaseSin[k])
            let nc = ck * c1 - sk * s1
            sk = sk * c1 + ck * s1
            ck = nc
        }
        return r / max(f, 0.3)
    }

    /// Integer pixel bounds of the shape clipped to a width x height frame, or nil if
    /// the shape lies outside it.
    func bounds(width: Int, height: Int) -> (x0: Int, x1: Int, y0: Int, y1: Int)? {
        let e = extent + 1
        let x0 = max(0, Int((cx - e).rounded(.down))), x1 = min(width - 1, Int((cx + e).rounded(.up)))
        let y0 = max(0, Int((cy - e).rounded(.down))), y1 = min(height - 1, Int((cy + e).rounded(.up)))
        return x0 <= x1 && y0 <= y1 ? (x0, x1, y0, y1) : nil
    }
}
