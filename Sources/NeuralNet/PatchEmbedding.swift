import Tensor

/// Splits an image [B, C, H, W] into non-overlapping patch×patch squares and projects each
/// to `dim` with a stride-`patch` convolution (timm `patch_embed.proj`); tokens come out
/// [B, (H/patch)*(W/patch), dim] in row-major patch order.
public final class PatchEmbedding: Layer {
    public let proj: Conv2d
    public let patch: Int
    public var isTraining = true

    public init(inChannels: Int, dim: Int, patch: Int, rng: inout RandomGenerator) {
        proj = Conv2d(inChannels, dim, kernel: patch, stride: patch, rng: &rng)
        self.patch = patch
    }

    public var children: [(String, any Module)] { [("proj", proj)] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == proj.weight.shape[1],
                     "PatchEmbedding: input must be [B, \(proj.weight.shape[1]), H, W], got \(x.shape)")
        precondition(x.shape[2] % patch == 0 && x.shape[3] % patch == 0,
                     "PatchEmbedding: image \(x.shape[2])x\(x.shape[3]) not divisible by patch \(patch)")
        return proj(x).flatten(from: 2).transposed(1, 2)
    }
}
