import Tensor

/// Batch normalization over channels of NCHW input (PyTorch `nn.BatchNorm2d`: `weight`,
/// `bias`, buffers `running_mean`, `running_var`, `num_batches_tracked`). Training
/// normalizes with batch statistics and updates the running ones; evaluation uses the
/// running ones.
public final class BatchNorm2d: Layer {
    public let weight, bias, runningMean, runningVar, numBatchesTracked: Tensor
    public let momentum, eps: Float
    public var isTraining = true

    public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
        weight = Tensor.ones([channels], requiresGrad: true)
        bias = Tensor.zeros([channels], requiresGrad: true)
        runningMean = Tensor.zeros([channels])
        runningVar = Tensor.ones([channels])
        numBatchesTracked = Tensor.zeros([])
        self.momentum = momentum
        self.eps = eps
    }

    public var localParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
    public var localBuffers: [(String, Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, relu: false) }

    /// Batch norm followed by a ReLU when `relu`, fused into one pass each way.
    public func callAsFunction(_ x: Tensor, relu: Bool) -> Tensor {
        if isTraining { numBatchesTracked.dataPointer[0] += 1 }
        return Tensor.batchNorm2d(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                  training: isTraining, momentum: momentum, eps: eps, relu: relu)
    }
}

extension BatchNorm2d {
    /// `conv` then this batch norm, then a ReLU when `relu`. In evaluation with nothing
    /// recorded (inference), the running statistics are folded into the convolution:
    /// weight w a and bias (b_conv - mean) a + beta with a = gamma / sqrt(var + eps), and the
    /// ReLU runs inside it, so each conv-bn-relu is one pass over the activations instead of
    /// two. Otherwise (training, or gradients wanted) the ops run as written.
    public func callAsFunction(_ x: Tensor, after conv: Conv2d, relu: Bool = false) -> Tensor {
        guard !isTraining && !GradMode.isEnabled else { return callAsFunction(conv(x), relu: relu) }
        let (w, shift) = folded(into: conv)
        return Tensor.conv2d(x, weight: w, bias: shift, stride: conv.stride, padding: conv.padding, groups: conv.groups,
                             relu: relu)
    }

    /// The weight and bias of one convolution that computes `self(conv(x))` with the running
    /// statistics (evaluation mode): the normalization's scale folded into the weight's
    /// output channels and its shift into the bias.
    public func folded(into conv: Conv2d) -> (weight: Tensor, bias: Tensor) {
        let (a, b) = Tensor.batchNormInferenceAffine(weight: weight, bias: bias, runningMean: runningMean,
                                                     runningVar: runningVar, eps: eps)
        let shift = conv.bias.map { b + $0 * a } ?? b
        return (conv.weight * a.reshape([a.count, 1, 1, 1]), shift)
    }
}
