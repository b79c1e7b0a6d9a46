import Tensor

/// Pre-norm transformer block as timm's ViT `Block`: x + attn(norm1(x)), then
/// x + mlp(norm2(x)) with `mlp.fc1` (dim -> 4 dim), GELU, `mlp.fc2`.
public final class TransformerBlock: Layer {
    public let norm1: LayerNorm
    public let attn: MultiheadSelfAttention
    public let norm2: LayerNorm
    public let mlp: MLP
    public var isTraining = true

    public init(dim: Int, heads: Int, mlpRatio: Int = 4, dropout: Float = 0, seed: UInt64 = 0, rng: inout RandomGenerator) {
        norm1 = LayerNorm(dim, eps: 1e-6)
        attn = MultiheadSelfAttention(dim: dim, heads: heads, attnDropout: dropout, seed: seed, rng: &rng)
        norm2 = LayerNorm(dim, eps: 1e-6)
        mlp = MLP(dim: dim, hidden: dim * mlpRatio, dropout: dropout, seed: seed &+ 1, rng: &rng)
    }

    public var children: [(String, any Module)] { [("norm1", norm1), ("attn", attn), ("norm2", norm2), ("mlp", mlp)] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = x + attn(norm1(x))
        return h + mlp(norm2(h))
    }

    /// timm's ViT `Mlp`: fc1, GELU, dropout, fc2, dropout.
    public final class MLP: Layer {
        public let fc1: Linear
        public let fc2: Linear
        public let drop: Dropout
        public var isTraining = true

        public init(dim: Int, hidden: Int, dropout: Float, seed: UInt64, rng: inout RandomGenerator) {
            fc1 = Linear(dim, hidden, rng: &rng)
            fc2 = Linear(hidden, dim, rng: &rng)
            drop = Dropout(dropout, seed: seed)
        }

        public var children: [(String, any Module)] { [("fc1", fc1), ("drop", drop), ("fc2", fc2)] }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            drop(fc2(drop(fc1(x).gelu())))
        }
    }
}
