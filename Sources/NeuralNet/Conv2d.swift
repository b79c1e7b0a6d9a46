import Tensor

/// 2-D convolution layer (PyTorch `nn.Conv2d`: `weight` [out, in/groups, k, k], optional
/// `bias`), Kaiming-normal (fan-out) init as torchvision's ResNet.
public final class Conv2d: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride, padding, groups: Int
    public var isTraining = true

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
                bias: Bool = true, rng: inout RandomGenerator) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels)->\(outChannels) not divisible by groups \(groups)")
        weight = Tensor.kaimingNormal([outChannels, inChannels / groups, kernel, kernel], rng: &rng, requiresGrad: true)
        self.bias = bias ? Tensor.zeros([outChannels], requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
        self.groups = groups
    }

    public var localParameters: [(String, Tensor)] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, groups: groups)
    }
}
