import Tensor

/// Dropout (PyTorch `nn.Dropout(p)`): active only in training mode. It owns its seeded
/// generator, so a model built with the same seed drops the same elements step by step.
public final class Dropout: Layer {
    public let p: Float
    public var isTraining = true
    private var rng: RandomGenerator

    public init(_ p: Float, seed: UInt64 = 0) {
        precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1), got \(p)")
        self.p = p
        rng = RandomGenerator(seed: seed)
    }

    /// Whether a call drops anything (training with p > 0); otherwise it is the identity.
    public var isActive: Bool { isTraining && p > 0 }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        isActive ? x.dropout(p: p, rng: &rng) : x
    }
}
