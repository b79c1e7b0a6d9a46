import Tensor

/// torchvision's ResNet (v1.5: stride on the 3x3 conv of a bottleneck) with tensor names
/// matching its `state_dict()` (`conv1`, `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`,
/// `fc`), for any input channel count and square input size. `numClasses == 0` leaves
/// out `fc` (the output is then the pooled features), as timm's `num_classes=0` does, so a
/// backbone's state dict loads strictly into `timm.create_model('resnet18', num_classes=0)`.
public final class ResNet: Layer {
    public enum Depth: Sendable { case resnet18, resnet50 }

    let conv1: Conv2d
    let bn1: BatchNorm2d
    let layers: [[ResidualBlock]]
    public let fc: Linear?
    public let featureDim: Int
    public var isTraining = true

    public init(_ depth: Depth, inChannels: Int = 3, numClasses: Int = 1000, seed: UInt64 = 0) {
        var rng = RandomGenerator(seed: seed)
        conv1 = Conv2d(inChannels, 64, kernel: 7, stride: 2, padding: 3, bias: false, rng: &rng)
        bn1 = BatchNorm2d(64)
        let counts = depth == .resnet18 ? [2, 2, 2, 2] : [3, 4, 6, 3]
        let expansion = depth == .resnet18 ? 1 : 4
        var inPlanes = 64
        var layers: [[ResidualBlock]] = []
        for (i, n) in counts.enumerated() {
            let planes = 64 << i
            var blocks: [ResidualBlock] = []
            for b in 0..<n {
                let stride = (i > 0 && b == 0) ? 2 : 1
                blocks.append(ResidualBlock(inPlanes: inPlanes, planes: planes, stride: stride, bottleneck: expansion == 4, rng: &rng))
                inPlanes = planes * expansion
            }
            layers.append(blocks)
        }
        self.layers = layers
        featureDim = inPlanes
        fc = numClasses > 0 ? Linear(inPlanes, numClasses, rng: &rng) : nil
    }

    public var children: [(String, any Module)] {
        [("conv1", conv1), ("bn1", bn1)]
            + layers.enumerated().map { ("layer\($0.offset + 1)", ModuleList($0.element)) as (String, any Module) }
            + (fc.map { [("fc", $0 as any Module)] } ?? [])
    }

    /// The pooled feature vector (input of `fc`), what SimCLR/DINO heads consume.
    public func features(_ x: Tensor) -> Tensor {
        var h = Tensor.pool2d(bn1(x, after: conv1, relu: true), kind: .max, kernel: 3, stride: 2, padding: 1)
        for layer in layers { for block in layer { h = block(h) } }
        return Tensor.adaptiveAvgPool2d(h, size: 1).flatten()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let f = features(x)
        return fc.map { $0(f) } ?? f
    }
}

/// A basic (two 3x3) or bottleneck (1x1, 3x3, 1x1 with 4x expansion) residual block.
final class ResidualBlock: Layer {
    let convs: [Conv2d]
    let bns: [BatchNorm2d]
    let downsample: (Conv2d, BatchNorm2d)?
    var isTraining = true

    init(inPlanes: Int, planes: Int, stride: Int, bottleneck: Bool, rng: inout RandomGenerator) {
        let out = bottleneck ? planes * 4 : planes
        if bottleneck {
            convs = [Conv2d(inPlanes, planes, kernel: 1, bias: false, rng: &rng),
                     Conv2d(planes, planes, kernel: 3, stride: stride, padding: 1, bias: false, rng: &rng),
                     Conv2d(planes, out, kernel: 1, bias: false, rng: &rng)]
        } else {
            convs = [Conv2d(inPlanes, planes, kernel: 3, stride: stride, padding: 1, bias: false, rng: &rng),
                     Conv2d(planes, planes, kernel: 3, padding: 1, bias: false, rng: &rng)]
        }
        bns = convs.map { BatchNorm2d($0.weight.shape[0]) }
        downsample = (stride != 1 || inPlanes != out)
            ? (Conv2d(inPlanes, out, kernel: 1, stride: stride, bias: false, rng: &rng), BatchNorm2d(out)) : nil
    }

    var children: [(String, any Module)] {
        var c: [(String, any Module)] = []
        for i in convs.indices { c += [("conv\(i + 1)", convs[i]), ("bn\(i + 1)", bns[i])] }
        if let (conv, bn) = downsample { c.append(("downsample", ModuleList([conv, bn]))) }
        return c
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for i in convs.indices {
            h = bns[i](h, after: convs[i], relu: i < convs.count - 1)
        }
        let identity = downsample.map { $0.1(x, after: $0.0) } ?? x
        return (h + identity).relu()
    }
}

/// Children named 0, 1, 2, ... (PyTorch `nn.Sequential` / `nn.ModuleList` naming).
final class ModuleList: Module {
    let items: [any Module]
    var isTraining = true
    init(_ items: [any Module]) { self.items = items }
    var children: [(String, any Module)] { items.enumerated().map { ("\($0.offset)", $0.element) } }
}
