import Tensor

/// Layers applied in order, named "0", "1", ... as PyTorch's `nn.Sequential`, so a
/// parameter-free layer (GELU, ReLU) still takes up an index and names line up
/// (`mlp.0.weight`, `mlp.2.weight`).
public final class Sequential: Layer {
    public let layers: [any Layer]
    public var isTraining = true

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var children: [(String, any Module)] { layers.enumerated().map { ("\($0.offset)", $0.element as any Module) } }

    public func callAsFunction(_ x: Tensor) -> Tensor { layers.reduce(x) { $1($0) } }
}
