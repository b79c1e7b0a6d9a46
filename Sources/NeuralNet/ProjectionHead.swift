import Tensor

/// A generic MLP projection head named as an `nn.Sequential` (`0.weight`, `2.weight`, ...):
/// Linear layers through `dims`, with the activation (and optional BatchNorm-free design)
/// between them and none after the last. SimCLR's head is `ProjectionHead(dims: [512, 512, 128])`
/// (Linear-ReLU-Linear).
public final class ProjectionHead: Layer {
    public enum Activation: Sendable { case relu, gelu }
    public let layers: Sequential
    public var isTraining = true

    public init(dims: [Int], activation: Activation = .relu, seed: UInt64 = 0) {
        precondition(dims.count >= 2, "ProjectionHead: need at least input and output sizes, got \(dims)")
        var rng = RandomGenerator(seed: seed)
        var ls: [any Layer] = []
        for i in 0..<(dims.count - 1) {
            ls.append(Linear(dims[i], dims[i + 1], rng: &rng))
            if i < dims.count - 2 { ls.append(activation == .relu ? ReLU() as any Layer : GELU()) }
        }
        layers = Sequential(ls)
    }

    public var children: [(String, any Module)] { layers.children }

    public func callAsFunction(_ x: Tensor) -> Tensor { layers(x) }
}
