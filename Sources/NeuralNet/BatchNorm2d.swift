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
