import Tensor

/// The small 4-block CNN used for SimCLR cell profiling: four [3x3 conv, BatchNorm,
/// ReLU, 2x2 max-pool] blocks (32, 64, 128, 256 channels), global average pooling and a
/// linear classifier `fc`. Blocks are named `features.<i>.conv` / `features.<i>.bn`.
public final class CNN4: Layer {
    let convs: [Conv2d]
    let bns: [BatchNorm2d]
    public let fc: Linear
    public let featureDim = 256
    public var isTraining = true

    public init(inChannels: Int = 3, numClasses: Int = 1000, seed: UInt64 = 0) {
        var rng = RandomGenerator(seed: seed)
        let widths = [inChannels, 32, 64, 128, 256]
        convs = (0..<4).map { Conv2d(widths[$0], widths[$0 + 1], kernel: 3, padding: 1, bias: false, rng: &rng) }
        bns = (1...4).map { BatchNorm2d(widths[$0]) }
        fc = Linear(256, numClasses, rng: &rng)
    }

    public var children: [(String, any Module)] {
        [("features", ModuleList((0..<4).map { i in CNN4Block(conv: convs[i], bn: bns[i]) })), ("fc", fc)]
    }

    public func features(_ x: Tensor) -> Tensor {
        var h = x
        for i in 0..<4 { h = Tensor.pool2d(bns[i](h, after: convs[i], relu: true), kind: .max, kernel: 2) }
        return Tensor.adaptiveAvgPool2d(h, size: 1).flatten()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc(features(x)) }
}

/// Naming shell for one CNN4 block.
final class CNN4Block: Module {
    let conv: Conv2d, bn: BatchNorm2d
    var isTraining = true
    init(conv: Conv2d, bn: BatchNorm2d) { self.conv = conv; self.bn = bn }
    var children: [(String, any Module)] { [("conv", conv), ("bn", bn)] }
}
