import Tensor

/// GELU activation, exact erf form (PyTorch `nn.GELU()` default); no parameters.
public final class GELU: Layer {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.gelu() }
}

/// ReLU activation (PyTorch `nn.ReLU()`); no parameters.
public final class ReLU: Layer {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
}
