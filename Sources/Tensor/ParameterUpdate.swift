/// The optimizers' per-element update rules as single fused passes over a parameter, its
/// gradient and its state buffers, updating in place.
///
/// Written with tensor ops, one SGD step on ResNet-18's 11M parameters makes six full-size
/// temporaries and seven passes over memory (about a tenth of a training step on two cores);
/// here it is one read of each operand and one write of each result. Each rule is the
/// documented formula as a fixed sequence of rounded f32 operations (true division, no fused
/// multiply-add), so a run resumed from a checkpoint continues bit-exactly.
public enum ParameterUpdate {
    /// Parameters below this many elements update on the calling thread.
    private static let grain = 1 << 16

    /// PyTorch `optim.SGD` (dampening 0, no Nesterov) for one parameter:
    /// d = g + wd p; v = d on the first step, else mu v + d; p -= lr v (p -= lr d when mu is 0).
    /// Returns the momentum buffer to keep (a new one when `velocity` is nil), nil when
    /// `momentum` is 0.
    @discardableResult
    public static func sgd(_ parameter: Tensor, grad: Tensor, velocity: Tensor?, learningRate: Float, momentum: Float,
                           weightDecay: Float) -> Tensor? {
        check(parameter, grad, [velocity])
        let g = grad.contiguousData()
        let v = momentum == 0 ? nil : (velocity ?? Tensor.uninitialized(parameter.shape))
        let first = velocity == nil
        let pp = parameter.dataPointer, gp = UnsafePointer(g.dataPointer), vp = v?.dataPointer
        let lr = learningRate, mu = momentum, wd = weightDecay
        parallelFor(parameter.count, minimumPerThread: grain) { r in
            for i in r {
                var d = gp[i]
                if wd != 0 { d = d + pp[i] * wd }
                if let vp {
                    d = first ? d : vp[i] * mu + d
                    vp[i] = d
                }
                pp[i] = pp[i] - d * lr
            }
        }
        withExtendedLifetime(g) {}
        return v
    }

    /// PyTorch `optim.AdamW` for one parameter, with `correction1` = 1 - beta1^t and
    /// `correction2` = 1 - beta2^t: p *= 1 - lr wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    /// p -= lr (m / c1) / (sqrt(v / c2) + eps). `expAvg` and `expAvgSq` start as zeros.
    public static func adamW(_ parameter: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, learningRate: Float,
                             beta1: Float, beta2: Float, eps: Float, weightDecay: Float,
                             correction1: Float, correction2: Float) {
        check(parameter, grad, [expAvg, expAvgSq])
        let g = grad.contiguousData()
        let pp = parameter.dataPointer, gp = UnsafePointer(g.dataPointer), mp = expAvg.dataPointer, vp = expAvgSq.dataPointer
        let lr = learningRate, keep = 1 - learningRate * weightDecay, decay = weightDecay != 0
        parallelFor(parameter.count, minimumPerThread: grain) { r in
            for i in r {
                let gi = gp[i]
                let m = mp[i] * beta1 + gi * (1 - beta1)
                let v = vp[i] * beta2 + gi * gi * (1 - beta2)
                mp[i] = m
                vp[i] = v
                let p = decay ? pp[i] * keep : pp[i]
                pp[i] = p - (m / correction1) / ((v / correction2).squareRoot() + eps) * lr
            }
        }
        withExtendedLifetime(g) {}
    }

    private static func check(_ parameter: Tensor, _ grad: Tensor, _ buffers: [Tensor?]) {
        precondition(parameter.isContiguous, "ParameterUpdate: parameter must be contiguous")
        precondition(grad.shape == parameter.shape, "ParameterUpdate: grad shape \(grad.shape) != parameter shape \(parameter.shape)")
        for case let b? in buffers {
            precondition(b.shape == parameter.shape && b.isContiguous,
                         "ParameterUpdate: state buffer shape \(b.shape) != parameter shape \(parameter.shape) or not contiguous")
        }
    }
}
