/// A small, fast, seedable generator (SplitMix64, Steele et al. 2014).
///
/// A value type passed explicitly: every component that makes random choices owns its
/// stream, seeded from the user's seed, so the same seed gives the same output and no
/// global generator couples unrelated parts. Saving the value saves where the stream is.
public struct SplitMix64: RandomNumberGenerator, Codable, Sendable, Equatable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func nextUnitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
}
