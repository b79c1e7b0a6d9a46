import Foundation

/// CellProfiler's MeasureObjectIntensity for one object and one channel.
///
/// Quartiles and the median use numpy's linear `(n - 1) q` convention, which is what
/// cp-measure 0.3.0 computes by default; the MAD is the textbook median of absolute
/// deviations. Edge statistics are over the object's inner-boundary pixels (4-connected, as
/// scikit-image's `find_boundaries`). Locations are in image pixels.
enum IntensityMeasurement {
    /// Feature names without compartment and channel, in output order.
    static let names: [String] = [
        "Intensity_IntegratedIntensity", "Intensity_MeanIntensity", "Intensity_StdIntensity",
        "Intensity_MinIntensity", "Intensity_MaxIntensity",
        "Intensity_IntegratedIntensityEdge", "Intensity_MeanIntensityEdge", "Intensity_StdIntensityEdge",
        "Intensity_MinIntensityEdge", "Intensity_MaxIntensityEdge",
        "Intensity_MassDisplacement", "Intensity_LowerQuartileIntensity", "Intensity_MedianIntensity",
        "Intensity_MADIntensity", "Intensity_UpperQuartileIntensity",
        "Location_CenterMassIntensity_X", "Location_CenterMassIntensity_Y",
        "Location_MaxIntensity_X", "Location_MaxIntensity_Y",
    ]

    /// `values` are the object's pixels in `object.pixels` order; `edge` flags its boundary.
    static func measure(_ object: ObjectMask, values: [Float], edge: [Bool], into out: inout [Double]) {
        let n = values.count
        var sum = 0.0, sumX = 0.0, sumY = 0.0, sumIX = 0.0, sumIY = 0.0
        var minV = Double.infinity, maxV = -Double.infinity, maxAt = 0
        var eSum = 0.0, eMin = Double.infinity, eMax = -Double.infinity, eN = 0
        for k in 0..<n {
            let v = Double(values[k])
            let ci = Int(object.pixels[k])
            let x = Double(ci % object.width + object.x0), y = Double(ci / object.width + object.y0)
            sum += v; sumX += x; sumY += y; sumIX += v * x; sumIY += v * y
            if v < minV { minV = v }
            // First maximum in row-major order, as numpy.argmax.
            if v > maxV { maxV = v; maxAt = ci }
            if edge[k] {
                eSum += v; eN += 1
                eMin = min(eMin, v); eMax = max(eMax, v)
            }
        }
        let mean = sum / Double(n)
        var sq = 0.0
        for v in values { let d = Double(v) - mean; sq += d * d }
        let sorted = values.map(Double.init).sorted()
        let median = quantile(sorted, 0.5)
        let deviations = sorted.map { abs($0 - median) }.sorted()
        let cx = sumX / Double(n), cy = sumY / Double(n)
        let cmx = sum != 0 ? sumIX / sum : .nan, cmy = sum != 0 ? sumIY / sum : .nan
        let eMean = eN > 0 ? eSum / Double(eN) : 0
        var eSq = 0.0
        for k in 0..<n where edge[k] { let d = Double(values[k]) - eMean; eSq += d * d }
        let eStd = eN > 0 ? (eSq / Double(eN)).squareRoot() : 0
        out += [
            sum, mean, (sq / Double(n)).squareRoot(), minV, maxV,
            eSum, eMean, eStd, eN > 0 ? eMin : 0, eN > 0 ? eMax : 0,
            ((cmx - cx) * (cmx - cx) + (cmy - cy) * (cmy - cy)).squareRoot(),
            quantile(sorted, 0.25), median, quantile(deviations, 0.5), quantile(sorted, 0.75),
            cmx, cmy,
            Double(maxAt % object.width + object.x0), Double(maxAt / object.width + object.y0),
        ]
    }

    /// numpy.percentile's linear interpolation on sorted data.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let n = sorted.count
        let pos = Double(n - 1) * q
        let lo = min(Int(pos), n - 1), hi = min(lo + 1, n - 1)
        let f = pos - Double(lo)
        return sorted[lo] * (1 - f) + sorted[hi] * f
    }
}
