import Foundation
import Tensor

/// Vision Transformer (Dosovitskiy et al. 2021) with timm's tensor names (`cls_token`,
/// `pos_embed`, `patch_embed.proj`, `blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}`,
/// `norm`, `head`), so weights move to and from `timm.create_model('vit_tiny_patch16_224',
/// in_chans=C, img_size=S)`. Any channel count; any square input whose side is a multiple
/// of the patch: the learned position embedding is bicubically resized (as timm's
/// `resample_abs_pos_embed`) when the input grid differs from the one it was built for.
/// The output is the head applied to the final-normed class token (`numClasses == 0`:
/// the embedding itself).
public final class VisionTransformer: Layer {
    /// Width, depth and heads of the standard sizes.
    public struct Preset: Sendable, Equatable {
        public let dim, depth, heads: Int
        public static let tiny = Preset(dim: 192, depth: 12, heads: 3)
        public static let small = Preset(dim: 384, depth: 12, heads: 6)
        public static let base = Preset(dim: 768, depth: 12, heads: 12)

        public init(dim: Int, depth: Int, heads: Int) {
            self.dim = dim; self.depth = depth; self.heads = heads
        }

        /// "tiny" / "vit-tiny" / "small" / "base".
        public static func named(_ name: String) -> Preset? {
            switch name.lowercased().replacingOccurrences(of: "vit-", with: "").replacingOccurrences(of: "vit_", with: "") {
            case "tiny": return .tiny
            case "small": return .small
            case "base": return .base
            default: return nil
            }
        }
    }

    public let preset: Preset
    public let patch: Int
    public let imageSize: Int
    public let patchEmbed: PatchEmbedding
    public let clsToken: Tensor
    public let posEmbed: Tensor
    public let blocks: [TransformerBlock]
    public let norm: LayerNorm
    public let head: Linear?
    public var isTraining = true

    public init(_ preset: Preset, patch: Int = 16, imageSize: Int = 224, inChannels: Int = 3, numClasses: Int = 0,
                dropout: Float = 0, seed: UInt64 = 0) {
        precondition(patch > 0 && imageSize % patch == 0, "VisionTransformer: image size \(imageSize) not divisible by patch \(patch)")
        var rng = RandomGenerator(seed: seed)
        self.preset = preset
        self.patch = patch
        self.imageSize = imageSize
        let d = preset.dim, grid = imageSize / patch
        patchEmbed = PatchEmbedding(inChannels: inChannels, dim: d, patch: patch, rng: &rng)
        // timm init: pos_embed trunc-normal(0.02), cls_token normal(1e-6), Linear weights
        // trunc-normal(0.02) with zero bias.
        posEmbed = Tensor.truncatedNormal([1, 1 + grid * grid, d], std: 0.02, rng: &rng, requiresGrad: true)
        clsToken = Tensor.normal([1, 1, d], std: 1e-6, rng: &rng, requiresGrad: true)
        blocks = (0..<preset.depth).map {
            TransformerBlock(dim: d, heads: preset.heads, dropout: dropout, seed: seed &+ UInt64($0) &* 2 &+ 1, rng: &rng)
        }
        norm = LayerNorm(d, eps: 1e-6)
        head = numClasses > 0 ? Linear(d, numClasses, rng: &rng) : nil
        for (name, p) in namedParameters() where name.hasSuffix("weight") && p.rank == 2 {
            p.assign(Tensor.truncatedNormal(p.shape, std: 0.02, rng: &rng))
        }
        for (name, p) in namedParameters() where name.hasSuffix("bias") && !name.contains("norm") {
            p.assign(Tensor.zeros(p.shape))
        }
    }

    public var localParameters: [(String, Tensor)] { [("cls_token", clsToken), ("pos_embed", posEmbed)] }

    public var children: [(String, any Module)] {
        [("patch_embed", patchEmbed as any Module)] + blocks.enumerated().map { ("blocks.\($0.offset)", $0.element as any Module) }
            + [("norm", norm as any Module)] + (head.map { [("head", $0 as any Module)] } ?? [])
    }

    public var embeddingDim: Int { preset.dim }

    /// The position embedding for a `grid`×`grid` patch grid: the stored one, or its patch
    /// part bicubically resized (class-token row kept), differentiably.
    public func positionEmbedding(grid: Int) -> Tensor {
        let stored = Int(Double(posEmbed.shape[1] - 1).squareRoot())
        if grid == stored { return posEmbed }
        let d = preset.dim
        let cls = posEmbed.slice(axis: 1, 0..<1)
        let p = posEmbed.slice(axis: 1, 1..<posEmbed.shape[1]).reshape([stored, stored, d]).permute([2, 0, 1])  // [D, g, g]
        let r = Tensor.bicubicResizeMatrix(from: stored, to: grid)
        let resized = r.matmul(p).matmul(r.transposed())  // [D, G, G]
        return Tensor.concat([cls, resized.permute([1, 2, 0]).reshape([1, grid * grid, d])], axis: 1)
    }

    /// Final-normed tokens [B, 1 + N, D] (class token first).
    public func tokens(_ x: Tensor) -> Tensor {
        let t = patchEmbed(x)
        let batch = t.shape[0], grid = x.shape[2] / patch
        precondition(x.shape[2] == x.shape[3], "VisionTransformer: input must be square, got \(x.shape[2])x\(x.shape[3])")
        let cls = clsToken.expand([batch, 1, preset.dim])
        var h = Tensor.concat([cls, t], axis: 1) + positionEmbedding(grid: grid)
        for b in blocks { h = b(h) }
        return norm(h)
    }

    /// The class-token embedding [B, D] (before the head).
    public func embed(_ x: Tensor) -> Tensor {
        tokens(x).slice(axis: 1, 0..<1).reshape([x.shape[0], preset.dim])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let e = embed(x)
        return head.map { $0(e) } ?? e
    }
}
