import Foundation
import Tensor

/// Multi-head self-attention over tokens [B, N, C] as timm's ViT `Attention`: one fused
/// `qkv` Linear (C -> 3C, laid out q|k|v then heads), scaled dot-product softmax per
/// head, then the `proj` Linear.
public final class MultiheadSelfAttention: Layer {
    public let qkv: Linear
    public let proj: Linear
    public let heads: Int
    public let attnDrop: Dropout
    public var isTraining = true

    public init(dim: Int, heads: Int, qkvBias: Bool = true, attnDropout: Float = 0, seed: UInt64 = 0, rng: inout RandomGenerator) {
        precondition(heads > 0 && dim % heads == 0, "MultiheadSelfAttention: dim \(dim) not divisible by heads \(heads)")
        qkv = Linear(dim, 3 * dim, bias: qkvBias, rng: &rng)
        proj = Linear(dim, dim, rng: &rng)
        self.heads = heads
        attnDrop = Dropout(attnDropout, seed: seed)
    }

    public var children: [(String, any Module)] { [("qkv", qkv), ("attn_drop", attnDrop), ("proj", proj)] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 3, "MultiheadSelfAttention: input must be [B, N, C], got \(x.shape)")
        let b = x.shape[0], n = x.shape[1], c = x.shape[2], hd = c / heads
        let h = qkv(x)
        // Without attention dropout, the whole softmax(q kᵀ / sqrt(hd)) v is one op.
        if !attnDrop.isActive { return proj(Tensor.selfAttention(qkv: h, heads: heads)) }
        // [B, N, 3, H, hd] -> [3, B, H, N, hd]
        let t = h.reshape([b, n, 3, heads, hd]).permute([2, 0, 3, 1, 4])
        // q, k, v stay strided [1, B, H, N, hd] views of the qkv output: matmul reads each
        // head's [N, hd] rows in place, where reshaping to [B, H, N, hd] would copy all three.
        func part(_ i: Int) -> Tensor { t.slice(axis: 0, i..<(i + 1)) }
        let q = part(0), k = part(1), v = part(2)
        let attn = attnDrop((q.matmul(k.transposed()) * (1 / Float(hd).squareRoot())).softmax())
        let out = attn.matmul(v).permute([0, 1, 3, 2, 4]).reshape([b, n, c])
        return proj(out)
    }
}
