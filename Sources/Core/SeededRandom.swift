import Foundation

/// A small, fast, seedable random number generator (SplitMix64, Steele et al. 2014) that is
/// a plain value: the one generator of the project. Every component that makes random
/// choices owns its stream, seeded from the user's seed, so the same seed gives the same
/// output and no global generator couples unrelated parts; saving the value saves where
/// the stream is.
///
/// Synthetic screens must be identical for a seed whatever the thread count, so every
/// random stream is derived from the seed and the identity of what it draws (plate, well,
/// site, compound) with `init(seed:stream:)`, never from a shared generator.
public struct SeededRandom: RandomNumberGenerator, Codable, Equatable, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for `keys` under `seed`: the keys are folded into the state
    /// through the SplitMix finaliser, so neighbouring keys give unrelated streams.
    public init(seed: UInt64, stream keys: [UInt64]) {
        var s = SeededRandom.mix(seed ^ 0x5DEE_CE66_D1CE_4E5B)
        for k in keys { s = SeededRandom.mix(s ^ SeededRandom.mix(k &+ 0x9E37_79B9_7F4A_7C15)) }
        state = s
    }

    /// The SplitMix64 output function (a bijective 64-bit mixer), for deriving seeds.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stable 64-bit hash of `text` (FNV-1a, then mixed); Swift's `hashValue` changes
    /// from run to run, so it cannot key a reproducible stream.
    public static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return mix(h)
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededRandom.mix(state)
    }

    /// Uniform in [0, 1).
    @inlinable
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [lo, hi).
    @inlinable
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * uniform() }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [lo, hi) with 53 random bits.
    @inlinable
    public mutating func uniformDouble(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniformDouble() }

    /// A seed derived from `seed` and some integers, so that a stream depends only on its own
    /// configuration, not on which other streams were drawn before it.
    public static func derive(_ seed: UInt64, _ parts: Int...) -> UInt64 {
        var g = SeededRandom(seed: seed)
        var h = g.next()
        for p in parts {
            g = SeededRandom(seed: h ^ UInt64(bitPattern: Int64(p)))
            h = g.next()
        }
        return h
    }

    /// An integer in 0..<n.
    @inlinable
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below:) needs a positive bound")
        return Int((next() >> 11) % UInt64(n))
    }

    /// A standard normal deviate (Box-Muller).
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// An approximately normal deviate (Irwin-Hall of four 16-bit uniforms from one draw):
    /// unit variance, tails cut at 3.5 sigma; cheap enough for per-pixel noise.
    @inlinable
    public mutating func fastNormal() -> Float {
        let r = next()
        let s = Float(r & 0xFFFF) + Float((r >> 16) & 0xFFFF) + Float((r >> 32) & 0xFFFF) + Float(r >> 48)
        return (s * (1.0 / 65536.0) - 2.0) * 1.7320508
    }

    /// A log-normal factor with median 1 and log-scale `sigma`.
    public mutating func logNormal(_ sigma: Float) -> Float { expf(sigma * normal()) }

    /// A Poisson count with mean `lambda` (Knuth below 30, normal approximation above).
    public mutating func poisson(_ lambda: Float) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda > 30 { return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded())) }
        let limit = expf(-lambda)
        var k = 0
        var p: Float = uniform()
        while p > limit { k += 1; p *= uniform() }
        return k
    }
}

