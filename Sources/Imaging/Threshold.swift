import Foundation

/// Global intensity thresholds for foreground/background separation, matching
/// scikit-image's `threshold_otsu` and `threshold_li` on the same input.
public enum Threshold {
    /// Otsu's threshold: the centre of the histogram bin (of `bins` equal bins over the
    /// image's range) that maximises the between-class variance. Pixels above it are
    /// foreground. NaNs are ignored; a constant image returns its value.
    public static func otsu(_ image: Image<Float>, bins: Int = 256) -> Float {
        let values = image.pixels.filter { !$0.isNaN }
        guard let lo = values.min(), let hi = values.max(), lo < hi else { return values.first ?? .nan }
        var hist = [Double](repeating: 0, count: bins)
        let scale = Double(bins) / (Double(hi) - Double(lo))
        for v in values { hist[min(bins - 1, Int((Double(v) - Double(lo)) * scale))] += 1 }
        let width = (Double(hi) - Double(lo)) / Double(bins)
        let centers = (0..<bins).map { Double(lo) + (Double($0) + 0.5) * width }
        // Class weights and means below (w1, m1) and above (w2, m2) each cut.
        var w1 = [Double](repeating: 0, count: bins), s1 = w1, w2 = w1, s2 = w1
        var accW = 0.0, accS = 0.0
        for i in 0..<bins { accW += hist[i]; accS += hist[i] * centers[i]; w1[i] = accW; s1[i] = accS }
        accW = 0; accS = 0
        for i in stride(from: bins - 1, through: 0, by: -1) { accW += hist[i]; accS += hist[i] * centers[i]; w2[i] = accW; s2[i] = accS }
        var best = -1.0, bestIndex = 0
        for i in 0..<(bins - 1) where w1[i] > 0 && w2[i + 1] > 0 {
            let d = s1[i] / w1[i] - s2[i + 1] / w2[i + 1]
            let between = w1[i] * w2[i + 1] * d * d
            if between > best { best = between; bestIndex = i }
        }
        return Float(centers[bestIndex])
    }

    /// Li's minimum cross-entropy threshold, by Li & Tam's iteration from the mean, stopping
    /// when a step moves less than `1e-6` of the intensity range. (scikit-image stops at half
    /// the smallest gap between distinct intensities; finding that gap needs a sort of every
    /// pixel, which cost more than the iteration, and the fixed point is the same to well
    /// within a grey level.)
    public static func li(_ image: Image<Float>) -> Float {
        let values = image.pixels.filter { !$0.isNaN }.map(Double.init)
        guard let lo = values.min(), let hi = values.max(), lo < hi else { return values.first.map(Float.init) ?? .nan }
        let tolerance = (hi - lo) * 1e-6
        let shifted = values.map { $0 - lo }
        var next = shifted.reduce(0, +) / Double(shifted.count)
        var current = -2 * tolerance
        while abs(next - current) > tolerance {
            current = next
            var sumF = 0.0, nF = 0.0, sumB = 0.0, nB = 0.0
            for v in shifted { if v > current { sumF += v; nF += 1 } else { sumB += v; nB += 1 } }
            let meanF = sumF / nF, meanB = sumB / nB
            if meanB == 0 { break }
            next = (meanB - meanF) / (log(meanB) - log(meanF))
        }
        return Float(next + lo)
    }
}
