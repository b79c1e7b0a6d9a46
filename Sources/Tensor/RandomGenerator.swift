import Core
import Foundation

/// Weight initialisation draws from the project's one seeded generator.
public typealias RandomGenerator = SeededRandom

extension SeededRandom {
    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { uniform() }

    /// Standard normal by Box-Muller.
    public mutating func nextNormal() -> Float { normal() }
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
