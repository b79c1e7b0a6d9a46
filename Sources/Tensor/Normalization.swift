import CDNNL

/// Layer normalization: forward on oneDNN, backward in closed form on tensor ops. (Batch
/// norm runs on `ChannelKernels`.)
struct NormGeometry {
    let dims: [Int]
    let eps: Float
    let layer: Bool
    var key: String { "\(layer ? "ln" : "bn") \(dims) eps\(eps)" }
    var data: dnnl_memory_desc_t { DNNL.desc(dims, DNNL.plainTag(rank: dims.count)) }
    /// Layer norm keeps one mean/variance per row (all but the last axis).
    var stat: dnnl_memory_desc_t { DNNL.desc(Array(dims.dropLast()), DNNL.plainTag(rank: dims.count - 1)) }
    var flags: UInt32 { dnnl_use_scale.rawValue | dnnl_use_shift.rawValue }

    func forward() -> DNNLPrimitive {
        DNNL.shared.primitive("norm_fwd " + key) {
            var d = data
            if layer {
                var ld = dnnl_layer_normalization_desc_t(), st = stat
                DNNL.check(dnnl_layer_normalization_forward_desc_init(&ld, dnnl_forward_training, &d, &st, eps, flags), "ln fwd desc")
                return DNNLPrimitive("ln_fwd", ld)
            }
            var bd = dnnl_batch_normalization_desc_t()
            DNNL.check(dnnl_batch_normalization_forward_desc_init(&bd, dnnl_forward_training, &d, eps, flags), "bn fwd desc")
            return DNNLPrimitive("bn_fwd", bd)
        }
    }


    /// Runs forward; returns (output, mean, variance) with biased variance.
    func runForward(_ x: Tensor, _ scale: Tensor, _ shift: Tensor, statCount: Int) -> (Tensor, Tensor, Tensor) {
        let xc = x.contiguousData(), sc = scale.contiguousData(), bc = shift.contiguousData()
        let out = Tensor.zeros(x.shape), mean = Tensor.zeros([statCount]), variance = Tensor.zeros([statCount])
        let vec = DNNL.desc([scale.count], dnnl_a)
        let statDesc = layer ? stat : vec
        DNNL.shared.execute(forward(), [
            (DNNLArg.src, data, UnsafeMutableRawPointer(xc.dataPointer)),
            (DNNLArg.scale, vec, UnsafeMutableRawPointer(sc.dataPointer)),
            (DNNLArg.shift, vec, UnsafeMutableRawPointer(bc.dataPointer)),
            (DNNLArg.dst, data, UnsafeMutableRawPointer(out.dataPointer)),
            (DNNLArg.mean, statDesc, UnsafeMutableRawPointer(mean.dataPointer)),
            (DNNLArg.variance, statDesc, UnsafeMutableRawPointer(variance.dataPointer)),
        ])
        withExtendedLifetime((xc, sc, bc)) {}
        return (out, mean, variance)
    }

}

extension Tensor {
    /// Batch normalization over N, H, W of an NCHW tensor (PyTorch `batch_norm`).
    /// Training: normalizes with the batch statistics and, when given, updates
    /// `runningMean`/`runningVar` in place with `momentum` (unbiased variance, as PyTorch).
    /// Evaluation: an affine map from the running statistics, differentiated by autograd.
    /// `relu` applies a ReLU to the result in the same pass (forward and backward), as
    /// `batchNorm2d(...).relu()` computes.
    public static func batchNorm2d(_ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor?, runningVar: Tensor?,
                                   training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false) -> Tensor {
        precondition(x.rank == 4 && weight.shape == [x.shape[1]] && bias.shape == [x.shape[1]],
                     "batchNorm2d: need NCHW input and [C] weight/bias, got \(x.shape), \(weight.shape), \(bias.shape)")
        let c = x.shape[1]
        let xc = x.contiguousData()
        if !training {
            guard let runningMean, let runningVar else { preconditionFailure("batchNorm2d: evaluation needs running statistics") }
            let (a, b) = batchNormInferenceAffine(weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar, eps: eps)
            if relu && !recording([x, weight, bias]) { return ChannelKernels.channelAffine(xc, scale: a, shift: b, relu: true) }
            let y = channelAffine(xc, scale: a, shift: b)
            return relu ? y.relu() : y
        }
        let (out, mean, variance) = ChannelKernels.batchNormForward(xc, weight: weight.contiguousData(),
                                                                    bias: bias.contiguousData(), eps: eps, relu: relu)
        if let runningMean, let runningVar {
            let n = Float(x.count / c)
            let unbiased = n > 1 ? n / (n - 1) : 1
            withNoGrad {
                runningMean.assign(runningMean * (1 - momentum) + mean * momentum)
                runningVar.assign(runningVar * (1 - momentum) + variance * (momentum * unbiased))
            }
        }
        let xd = xc.detached(), wd = weight.contiguousData().detached(), bd = bias.contiguousData().detached()
        return record(relu ? "batchNorm2dReLU" : "batchNorm2d", out, inputs: [x, weight, bias]) { g in
            let (gx, gw, gb) = ChannelKernels.batchNormBackward(g.contiguousData(), xd, weight: wd, bias: bd, mean: mean,
                                                                variance: variance, eps: eps, relu: relu)
            return [gx, gw, gb]
        }
    }

    /// The per-channel (scale, shift) batch norm applies in evaluation: scale = weight /
    /// sqrt(runningVar + eps), shift = bias - runningMean * scale (gradients reach weight
    /// and bias, not the running statistics). A convolution before it can absorb them.
    public static func batchNormInferenceAffine(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor,
                                                eps: Float) -> (scale: Tensor, shift: Tensor) {
        let scale = weight / (runningVar.detached() + eps).sqrt()
        return (scale, bias - runningMean.detached() * scale)
    }

    /// x[n, c, ...] * scale[c] + shift[c] for contiguous NCHW `x` (batch norm in evaluation).
    static func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor) -> Tensor {
        let out = ChannelKernels.channelAffine(x, scale: scale.contiguousData(), shift: shift.contiguousData())
        let xd = x.detached(), sd = scale.contiguousData().detached()
        let c = x.shape[1], needX = x.requiresGrad, needS = scale.requiresGrad || shift.requiresGrad
        return record("channelAffine", out, inputs: [x, scale, shift]) { g in
            let gc = g.contiguousData()
            let gx = needX ? ChannelKernels.channelAffine(gc, scale: sd, shift: Tensor.zeros([c])) : nil
            let sums = needS ? ChannelKernels.channelSums(gc, xd) : nil
            return [gx, sums?.gScale, sums?.gShift]
        }
    }

    /// Layer normalization over the last axis (PyTorch `layer_norm` with
    /// `normalized_shape = [last]`).
    public static func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float = 1e-5) -> Tensor {
        let d = x.shape.last ?? 0
        precondition(x.rank >= 2 && weight.shape == [d] && bias.shape == [d],
                     "layerNorm: weight and bias must be [\(d)], got \(weight.shape) and \(bias.shape)")
        let rows = x.count / Swift.max(d, 1)
        let geo = NormGeometry(dims: [rows, d], eps: eps, layer: true)
        let x2 = x.contiguousData().detached()
        let (out2, mean, variance) = geo.runForward(x2, weight, bias, statCount: rows)
        let out = Tensor(storage: out2.storage, shape: x.shape)
        let wd = weight.detached(), xShape = x.shape
        return record("layerNorm", out, inputs: [x, weight, bias]) { g in
            let (gx, gw, gb) = RowKernels.layerNormBackward(g.reshape([rows, d]).contiguousData(), x2.reshape([rows, d]),
                                                            weight: wd, mean: mean, variance: variance, eps: eps)
            return [gx.reshape(xShape), gw, gb]
        }
    }
}

extension Tensor {
    /// Overwrites this tensor's elements with `source`'s (same shape), not recorded:
    /// optimizer updates and running statistics.
    public func assign(_ source: Tensor) {
        precondition(source.shape == shape || source.count == count, "assign: shape \(source.shape) != \(shape)")
        copyElements(from: source.shape == shape ? source : source.reshape(shape))
    }
}
