import Tensor

/// Scales all gradients together so their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_` (coefficient maxNorm / (norm + 1e-6), applied only when
/// below 1). Parameters without a gradient are skipped. Returns the norm before clipping;
/// when it is not finite the gradients are left as they are, so the caller can see it and
/// skip the step.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    withNoGrad {
        let grads = parameters.compactMap(\.grad)
        var sumOfSquares = 0.0
        for g in grads { sumOfSquares += Double((g * g).sum().item) }
        let norm = Float(sumOfSquares.squareRoot())
        let coefficient = maxNorm / (norm + 1e-6)
        if norm.isFinite && coefficient < 1 {
            for p in parameters { if let g = p.grad { p.grad = g * coefficient } }
        }
        return norm
    }
}
