/// A small seeded random number generator (SplitMix64, Steele et al. 2014): same seed,
/// same sequence, on every platform. Profiling needs only this for its permutation nulls
/// and fold shuffles, so it keeps a local one rather than depend on the tensor engine's.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed derived from `seed` and some integers, so that each null distribution
    /// depends only on its own configuration, not on which others were drawn before it.
    public static func derive(_ seed: UInt64, _ parts: Int...) -> UInt64 {
        var g = SplitMix64(seed: seed)
        var h = g.next()
        for p in parts {
            g = SplitMix64(seed: h ^ UInt64(bitPattern: Int64(p)))
            h = g.next()
        }
        return h
    }
}
