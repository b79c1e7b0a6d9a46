import Tensor

/// A network part that owns parameters, buffers and sub-modules under PyTorch-style
/// names, so `stateDict()` keys match `torch.nn.Module.state_dict()` for the same
/// architecture (`layer1.0.conv1.weight`, `blocks.3.attn.qkv.bias`, ...).
///
/// Modules are classes: a parameter tensor is updated in place by the optimizer and
/// shared by reference with the graph. Train/eval mode changes BatchNorm and Dropout.
public protocol Module: AnyObject {
    /// This module's own parameters (trainable), by local name.
    var localParameters: [(String, Tensor)] { get }
    /// This module's own non-trainable state (BatchNorm running statistics), by local name.
    var localBuffers: [(String, Tensor)] { get }
    /// Direct sub-modules, by local name.
    var children: [(String, any Module)] { get }
    var isTraining: Bool { get set }
}

extension Module {
    public var localParameters: [(String, Tensor)] { [] }
    public var localBuffers: [(String, Tensor)] { [] }
    public var children: [(String, any Module)] { [] }

    /// All trainable parameters with dotted names, in registration order.
    public func namedParameters(prefix: String = "") -> [(String, Tensor)] {
        localParameters.map { (prefix + $0.0, $0.1) }
            + children.flatMap { $0.1.namedParameters(prefix: prefix + $0.0 + ".") }
    }

    public func namedBuffers(prefix: String = "") -> [(String, Tensor)] {
        localBuffers.map { (prefix + $0.0, $0.1) }
            + children.flatMap { $0.1.namedBuffers(prefix: prefix + $0.0 + ".") }
    }

    public var parameters: [Tensor] { namedParameters().map(\.1) }

    /// Parameters and buffers by name, as PyTorch's `state_dict()`.
    public func stateDict() -> [(String, Tensor)] {
        namedParameters() + namedBuffers()
    }

    /// Switches this module and all sub-modules between training and evaluation.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, c) in children { c.train(on) }
    }

    public func zeroGrad() { for p in parameters { p.grad = nil } }
}

/// A module with a single-tensor forward pass.
public protocol Layer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}
