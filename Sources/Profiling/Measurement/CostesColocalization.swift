import Foundation

/// Costes' automatically thresholded colocalisation, as cp-measure 0.3.0 computes it in its
/// default "Faster" mode (CellProfiler's bisection search).
///
/// The thresholds lie on the orthogonal regression line of the object's non-zero pixels;
/// the search looks, on the acquisition grid of `scaleMax` steps, for the highest
/// first-channel threshold at which the pixels below either threshold still correlate
/// non-negatively. The coefficients are the shares of each channel's above-threshold
/// intensity found where both channels exceed their thresholds. Undefined cases (fewer than
/// three usable pixels, a constant channel, a degenerate regression or background) give NaN.
enum CostesColocalization {
    static func coefficients(_ f: [Double], _ s: [Double], scaleMax: Double = 65535) -> (Double, Double) {
        guard let (tf, ts) = thresholds(f, s, scaleMax: scaleMax) else { return (.nan, .nan) }
        var both1 = 0.0, both2 = 0.0, tot1 = 0.0, tot2 = 0.0
        for k in f.indices {
            if f[k] >= tf { tot1 += f[k] }
            if s[k] >= ts { tot2 += s[k] }
            if f[k] > tf && s[k] > ts { both1 += f[k]; both2 += s[k] }
        }
        guard tot1 > 0 && tot2 > 0 else { return (.nan, .nan) }
        return (both1 / tot1, both2 / tot2)
    }

    static func thresholds(_ f: [Double], _ s: [Double], scaleMax: Double) -> (Double, Double)? {
        guard f.count >= 3, f.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }), s.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else { return nil }
        let nz = f.indices.filter { f[$0] > 0 || s[$0] > 0 }
        guard nz.count >= 3 else { return nil }
        let fz = nz.map { f[$0] }, sz = nz.map { s[$0] }
        guard fz.max()! > fz.min()!, sz.max()! > sz.min()! else { return nil }
        func variance(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
        }
        let xvar = variance(fz), yvar = variance(sz)
        let xmean = fz.reduce(0, +) / Double(fz.count), ymean = sz.reduce(0, +) / Double(sz.count)
        let zvar = variance(zip(fz, sz).map { $0 + $1 })
        let covar = 0.5 * (zvar - (xvar + yvar))
        guard abs(covar) > 8 * Double.ulpOfOne * max(xvar, yvar) else { return nil }
        let a = ((yvar - xvar) + ((yvar - xvar) * (yvar - xvar) + 4 * covar * covar).squareRoot()) / (2 * covar)
        let b = ymean - a * xmean
        guard a.isFinite && b.isFinite else { return nil }

        var left = 1.0, right = scaleMax
        var mid = pythonFloorDiv(right - left, 6.0 / 5) + left
        var lastMid = 0.0
        var valid: Double? = nil
        var iterations = 0
        while lastMid != mid {
            iterations += 1
            if iterations > 256 { return nil }
            let t1 = mid / scaleMax, t2 = a * t1 + b
            let r = backgroundCorrelation(f, s, t1, t2)
            if !r.isFinite || r < 0 { left = mid - 1 } else { right = mid + 1; valid = mid }
            lastMid = mid
            mid = pythonFloorDiv(right - left, right - left > 6 ? 6.0 / 5 : 2) + left
        }
        guard let v = valid else { return nil }
        let t1 = (v - 1) / scaleMax, t2 = a * t1 + b
        guard backgroundCorrelation(f, s, t1, t2).isFinite else { return nil }
        return (t1, t2)
    }

    /// Pearson correlation of the pixels below either threshold; NaN when undefined.
    static func backgroundCorrelation(_ f: [Double], _ s: [Double], _ t1: Double, _ t2: Double) -> Double {
        var n = 0, sf = 0.0, ss = 0.0
        var fmin = Double.infinity, fmax = -Double.infinity, smin = Double.infinity, smax = -Double.infinity
        for k in f.indices where f[k] < t1 || s[k] < t2 {
            n += 1; sf += f[k]; ss += s[k]
            fmin = min(fmin, f[k]); fmax = max(fmax, f[k]); smin = min(smin, s[k]); smax = max(smax, s[k])
        }
        guard n >= 3, fmax > fmin, smax > smin else { return .nan }
        let mf = sf / Double(n), ms = ss / Double(n)
        var cff = 0.0, css = 0.0, cfs = 0.0
        for k in f.indices where f[k] < t1 || s[k] < t2 {
            let x = f[k] - mf, y = s[k] - ms
            cff += x * x; css += y * y; cfs += x * y
        }
        return max(-1, min(1, cfs / (cff.squareRoot() * css.squareRoot())))
    }

    /// Python's float `//` (fmod-based, not floor(a / b)), which the bisection steps use.
    static func pythonFloorDiv(_ a: Double, _ b: Double) -> Double {
        var mod = fmod(a, b)
        var div = (a - mod) / b
        if mod != 0 && ((b < 0) != (mod < 0)) { mod += b; div -= 1 }
        if div != 0 {
            var fl = div.rounded(.down)
            if div - fl > 0.5 { fl += 1 }
            return fl
        }
        return (a / b).sign == .minus ? -0.0 : 0.0
    }
}
