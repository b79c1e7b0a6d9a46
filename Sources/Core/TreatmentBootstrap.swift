/// A two-sided interval of a figure, `[lower, upper]`; encoded as a two-number JSON array
/// (`"nsc_ci": [0.41, 0.57]`), the shape numpy and pandas users expect.
public struct ConfidenceInterval: Codable, Equatable, Sendable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        lower = try c.decode(Double.self)
        upper = try c.decode(Double.self)
        guard c.isAtEnd else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "an interval is [lower, upper]: two numbers")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(lower)
        try c.encode(upper)
    }

    /// Whether two intervals share a point: then the difference of their figures is not
    /// established by these intervals ("no difference" in the README's wording).
    public func overlaps(_ other: ConfidenceInterval) -> Bool { lower <= other.upper && other.lower <= upper }

    /// `[0.412, 0.571]` with three decimals.
    public var text: String { "[\(Self.format(lower)), \(Self.format(upper))]" }

    static func format(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < 3 { s += String(repeating: "0", count: 3 - decimals) }
        } else {
            s += ".000"
        }
        return s
    }
}

/// The percentile bootstrap over treatments that puts an interval round NSC, NSCB and mAP.
///
/// Each figure is a mean over the evaluated treatments of a per-treatment value: NSC and
/// NSCB of the 0/1 hit of the treatment's nearest neighbour, `map_moa` of the treatment's
/// average precision. A resample draws as many treatments as were evaluated, uniformly with
/// replacement (one draw list shared by the three figures, so they move together as the
/// treatments do); its figure is the mean of the drawn treatments' values, skipping those
/// without one (a query with no candidate, or no positive), as the point estimate skips
/// them; a resample that drew none is left out. The interval is the (1 - level)/2 and
/// (1 + level)/2 percentiles of the resampled figures, interpolated linearly between order
/// statistics (numpy's default `percentile`).
///
/// The neighbours themselves are not recomputed within a resample: the interval is the
/// sampling uncertainty of the average over a treatment set of this size given each
/// treatment's outcome, which is what distinguishes two pipelines evaluated on the same
/// screen. Draws come from `SeededRandom(seed)`, so an interval is reproducible.
public struct TreatmentBootstrap: Sendable {
    public var resamples: Int
    public var seed: UInt64
    public var level: Double

    public init(resamples: Int = 1000, seed: UInt64 = 0, level: Double = 0.95) {
        self.resamples = resamples
        self.seed = seed
        self.level = level
    }

    /// `resamples` lists of `count` indices in `0..<count`, drawn with replacement.
    public func indices(count: Int) -> [[Int]] {
        guard count > 0 else { return [] }
        var rng = SeededRandom(seed: seed, stream: [0xB0075, UInt64(count)])
        return (0..<resamples).map { _ in (0..<count).map { _ in rng.int(below: count) } }
    }

    /// The interval of the mean of `values` (nil: the treatment has no such value); nil
    /// when no value is defined or no resample is asked for.
    public func interval(_ values: [Double?]) -> ConfidenceInterval? {
        Self.interval(values, indices: indices(count: values.count), level: level)
    }

    /// The interval of the mean of `values` over the given resamples.
    public static func interval(_ values: [Double?], indices: [[Int]], level: Double) -> ConfidenceInterval? {
        var means: [Double] = []
        means.reserveCapacity(indices.count)
        for draw in indices {
            var sum = 0.0, n = 0
            for i in draw { if let v = values[i] { sum += v; n += 1 } }
            if n > 0 { means.append(sum / Double(n)) }
        }
        guard !means.isEmpty else { return nil }
        means.sort()
        let tail = (1 - level) / 2
        return ConfidenceInterval(lower: percentile(sorted: means, tail), upper: percentile(sorted: means, 1 - tail))
    }

    /// The q-quantile (0...1) of sorted values, numpy's linear method: position (n - 1) q.
    public static func percentile(sorted s: [Double], _ q: Double) -> Double {
        let h = Double(s.count - 1) * q
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }
}
