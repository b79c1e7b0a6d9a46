import Tensor

/// Layer normalization over the last axis (PyTorch `nn.LayerNorm(dim)`: `weight` ones,
/// `bias` zeros). timm's ViT uses eps 1e-6.
public final class LayerNorm: Layer {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float
    public var isTraining = true

    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([dim], requiresGrad: true)
        bias = Tensor.zeros([dim], requiresGrad: true)
        self.eps = eps
    }

    public var localParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ x: Tensor) -> Tensor { Tensor.layerNorm(x, weight: weight, bias: bias, eps: eps) }
}
