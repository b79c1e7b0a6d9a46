import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded by SplitMix64) with the
/// distributions weight initialisation needs. Same seed, same numbers, on every machine.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Standard normal by Box-Muller.
    public mutating func nextNormal() -> Float {
        var u1 = nextUniform()
        while u1 <= 0 { u1 = nextUniform() }
        let u2 = nextUniform()
        return Foundation.sqrt(-2 * Foundation.log(u1)) * Foundation.cos(2 * .pi * u2)
    }
}

extension Tensor {
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomGenerator,
                               requiresGrad: Bool = false) -> Tensor {
        let t = zeros(shape, requiresGrad: requiresGrad)
        for i in 0..<t.count { t.storage.pointer[i] = low + (high - low) * rng.nextUniform() }
        return t
    }

    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomGenerator,
                              requiresGrad: Bool = false) -> Tensor {
        let t = zeros(shape, requiresGrad: requiresGrad)
        for i in 0..<t.count { t.storage.pointer[i] = mean + std * rng.nextNormal() }
        return t
    }

    /// Normal(mean, std) redrawn outside [a, b], as timm's `trunc_normal_` (ViT init).
    public static func truncatedNormal(_ shape: [Int], mean: Float = 0, std: Float = 1, a: Float = -2, b: Float = 2,
                                       rng: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = zeros(shape, requiresGrad: requiresGrad)
        for i in 0..<t.count {
            var v: Float
            repeat { v = mean + std * rng.nextNormal() } while v < a || v > b
            t.storage.pointer[i] = v
        }
        return t
    }

    /// Kaiming-normal with fan-out and ReLU gain, torchvision's ResNet conv init:
    /// std = sqrt(2 / fan_out), fan_out = shape[0] * receptive field.
    public static func kaimingNormal(_ shape: [Int], fanOut: Bool = true, rng: inout RandomGenerator,
                                     requiresGrad: Bool = false) -> Tensor {
        let receptive = shape.dropFirst(2).reduce(1, *)
        let fan = (fanOut ? shape[0] : (shape.count > 1 ? shape[1] : 1)) * receptive
        return normal(shape, std: Foundation.sqrt(2 / Float(Swift.max(fan, 1))), rng: &rng, requiresGrad: requiresGrad)
    }
}
