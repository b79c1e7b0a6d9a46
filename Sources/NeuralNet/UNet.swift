import Tensor

/// A 2-D U-Net (Ronneberger et al. 2015) for dense prediction, as the nucleus segmenter uses
/// it: an encoder of `widths.count` levels, each two [3x3 conv, BatchNorm, ReLU] with a 2x2
/// max-pool between levels, and a decoder that upsamples (nearest, x2), concatenates the
/// encoder's map of the same level and applies two more [conv, BN, ReLU]; a 1x1 convolution
/// gives `outChannels` logits per pixel at the input resolution.
///
/// Input height and width must be multiples of `sizeMultiple` (2^(levels-1)); tiled inference
/// pads to it. Parameter names follow PyTorch's conventions (`down.0.conv1.weight`,
/// `up.1.bn2.running_mean`, `head.weight`) so the weights could move to a PyTorch copy.
public final class UNet: Layer {
    /// The architecture, stored beside the weights so a checkpoint rebuilds its network.
    public struct Config: Codable, Equatable, Sendable {
        public var inChannels: Int
        public var outChannels: Int
        /// Channels per level, finest first, e.g. [16, 32, 64, 128].
        public var widths: [Int]

        public init(inChannels: Int = 1, outChannels: Int = 2, widths: [Int] = [16, 32, 64, 128]) {
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.widths = widths
        }

        enum CodingKeys: String, CodingKey {
            case inChannels = "in_channels", outChannels = "out_channels", widths
        }
    }

    public let config: Config
    let down: [UNetBlock]
    let up: [UNetBlock]
    let head: Conv2d
    public var isTraining = true

    /// Side multiple every input must have: each of the levels below the first halves it.
    public var sizeMultiple: Int { 1 << (config.widths.count - 1) }

    public init(config: Config, seed: UInt64 = 0) {
        precondition(config.widths.count >= 2 && config.widths.allSatisfy { $0 > 0 } && config.inChannels > 0
                     && config.outChannels > 0, "UNet: invalid config \(config)")
        self.config = config
        var rng = RandomGenerator(seed: seed)
        let w = config.widths
        down = w.indices.map { i in UNetBlock(i == 0 ? config.inChannels : w[i - 1], w[i], rng: &rng) }
        up = (0..<(w.count - 1)).map { i in UNetBlock(w[i + 1] + w[i], w[i], rng: &rng) }
        head = Conv2d(w[0], config.outChannels, kernel: 1, rng: &rng)
    }

    public var children: [(String, any Module)] {
        [("down", ModuleList(down)), ("up", ModuleList(up)), ("head", head)]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == config.inChannels, "UNet: need [N, \(config.inChannels), H, W], got \(x.shape)")
        precondition(x.shape[2] % sizeMultiple == 0 && x.shape[3] % sizeMultiple == 0,
                     "UNet: height and width must be multiples of \(sizeMultiple), got \(x.shape)")
        if !isTraining && !GradMode.isEnabled { return inference(x) }
        var skips: [Tensor] = []
        var h = x
        for (i, block) in down.enumerated() {
            if i > 0 { h = Tensor.pool2d(h, kind: .max, kernel: 2) }
            h = block(h)
            skips.append(h)
        }
        for i in stride(from: up.count - 1, through: 0, by: -1) {
            h = up[i](Tensor.concat([Tensor.upsampleNearest2d(h, scale: 2), skips[i]], axis: 1))
        }
        return head(h)
    }

    /// The evaluation-mode forward pass with batch norm folded into the convolutions and the
    /// activations kept in oneDNN's blocked layout from the input to the logits: the same
    /// values as the layer-by-layer pass (to float rounding) without a reorder per layer.
    /// With `precision` bf16 the activations and weights are bfloat16 and the logits f32; the
    /// caller checks `NumericPrecision.unavailableReason` first. Call it without gradients.
    public func inference(_ x: Tensor, precision: NumericPrecision = .f32) -> Tensor {
        var skips: [BlockedActivation] = []
        var h = BlockedActivation(x, precision: precision)
        for (i, block) in down.enumerated() {
            if i > 0 { h = h.pool2d(kind: .max, kernel: 2) }
            h = block.inference(h)
            skips.append(h)
        }
        for i in stride(from: up.count - 1, through: 0, by: -1) {
            h = up[i].inference(BlockedActivation.concatChannels([h.upsampleNearest2d(scale: 2), skips[i]]))
        }
        return h.conv2d(weight: head.weight, bias: head.bias, padding: head.padding, relu: false, f32Output: true).tensor()
    }
}

/// Two [3x3 conv, BatchNorm, ReLU] layers: one level of the U-Net's encoder or decoder.
final class UNetBlock: Layer {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    var isTraining = true

    init(_ inChannels: Int, _ outChannels: Int, rng: inout RandomGenerator) {
        conv1 = Conv2d(inChannels, outChannels, kernel: 3, padding: 1, bias: false, rng: &rng)
        bn1 = BatchNorm2d(outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernel: 3, padding: 1, bias: false, rng: &rng)
        bn2 = BatchNorm2d(outChannels)
    }

    var children: [(String, any Module)] { [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] }

    func callAsFunction(_ x: Tensor) -> Tensor {
        bn2(bn1(x, after: conv1, relu: true), after: conv2, relu: true)
    }

    /// The block in evaluation mode on blocked activations (batch norm folded).
    func inference(_ x: BlockedActivation) -> BlockedActivation {
        let (w1, b1) = bn1.folded(into: conv1), (w2, b2) = bn2.folded(into: conv2)
        return x.conv2d(weight: w1, bias: b1, padding: conv1.padding, relu: true)
            .conv2d(weight: w2, bias: b2, padding: conv2.padding, relu: true)
    }
}
