import Foundation
import Imaging

/// Hierarchical intensity normalization, as Bioimage Search does it: per channel, each
/// group of images (a plate, a well, or a single image) is mapped linearly so its
/// `lowPercentile` goes to 0 and its `highPercentile` to 1 (clipped), which removes plate-
/// to-plate exposure and stain differences at the chosen level.
///
/// Percentiles come from an exact 65,536-bin histogram of the group's 16-bit values (after
/// illumination correction, rounded), and the mapping is computed in Float from the
/// unrounded values, so 16-bit inputs keep their precision.
public struct IntensityNormalization: Sendable, Equatable {
    public enum Level: String, Sendable, CaseIterable, Codable { case none, plate, well, image }

    public var level = Level.none
    public var lowPercentile: Double = 0.1
    public var highPercentile: Double = 99.9

    public init(level: Level = .none, lowPercentile: Double = 0.1, highPercentile: Double = 99.9) {
        self.level = level; self.lowPercentile = lowPercentile; self.highPercentile = highPercentile
    }

    /// The group a site belongs to at this level (nil for `none`).
    public func group(of key: SiteKey) -> String? {
        switch level {
        case .none: return nil
        case .plate: return key.plate
        case .well: return "\(key.plate)/\(key.well)"
        case .image: return key.description
        }
    }

    /// Pixel counts per 16-bit value, accumulated over a group.
    public struct Histogram: Sendable {
        public private(set) var counts = [Int](repeating: 0, count: 65536)
        public private(set) var total = 0
        public init() {}

        public mutating func add(_ values: [Float]) {
            for v in values { counts[Int(max(0, min(65535, v.rounded())))] += 1 }
            total += values.count
        }

        public mutating func merge(_ other: Histogram) {
            for i in counts.indices { counts[i] += other.counts[i] }
            total += other.total
        }

        /// The smallest value with at least `p` percent of the pixels at or below it.
        public func percentile(_ p: Double) -> Float {
            let target = max(1, Int((Double(total) * p / 100).rounded(.up)))
            var acc = 0
            for (v, c) in counts.enumerated() {
                acc += c
                if acc >= target { return Float(v) }
            }
            return 65535
        }
    }

    /// (low, high) of a group from its histogram; a degenerate range widens to one grey level.
    public func range(_ h: Histogram) -> (low: Float, high: Float) {
        let lo = h.percentile(lowPercentile), hi = h.percentile(highPercentile)
        return (lo, max(hi, lo + 1))
    }

    /// `(v - low) / (high - low)` clipped to 0...1.
    public static func apply(_ values: [Float], low: Float, high: Float) -> [Float] {
        let scale = 1 / (high - low)
        return values.map { min(1, max(0, ($0 - low) * scale)) }
    }
}
