/// Intensity normalization by percentiles (csbdeep / StarDist's `normalize(x, 1, 99.8)`):
/// the `low` quantile maps to 0 and the `high` quantile to 1, so a model sees the same range
/// from an 8-bit PNG, a 12-bit camera in a 16-bit TIFF or a float image, whatever the exposure.
public struct PercentileNormalization: Codable, Equatable, Sendable {
    public var low: Double
    public var high: Double

    public init(low: Double = 0.01, high: Double = 0.998) {
        self.low = low
        self.high = high
    }

    enum CodingKeys: String, CodingKey { case low, high }

    public func callAsFunction(_ image: Image<Float>) -> Image<Float> {
        let lo = histogramQuantile(image.pixels, low), hi = histogramQuantile(image.pixels, high)
        let scale = 1 / max(hi - lo, 1e-6)
        return image.map { ($0 - lo) * scale }
    }
}

/// Which value of the histogram bin holding the quantile is returned.
public enum HistogramBinEdge: Sendable { case lower, upper }

/// The `q` quantile of the finite `values` to 1/`bins` of their range (a histogram, not a
/// sort: a 1280x1024 site in a few milliseconds; used to set intensity scales, where that
/// suffices), as the lower or upper edge of the bin that holds it.
public func histogramQuantile(_ values: [Float], _ q: Double, bins: Int = 65536, binEdge: HistogramBinEdge = .lower) -> Float {
    var lo = Float.infinity, hi = -Float.infinity
    for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
    guard lo < hi else { return lo.isFinite ? lo : 0 }
    let bins = max(bins, 1)
    var hist = [Int](repeating: 0, count: bins)
    let scale = Float(bins) / (hi - lo)
    var finite = 0
    for v in values where v.isFinite {
        hist[min(bins - 1, Int((v - lo) * scale))] += 1
        finite += 1
    }
    let target = Int(Double(finite) * min(max(q, 0), 1))
    var acc = 0
    for (b, c) in hist.enumerated() {
        acc += c
        if acc > target { return lo + Float(binEdge == .upper ? b + 1 : b) / scale }
    }
    return hi
}
