import Tensor

/// The exponential moving average that makes DINO's teacher (and a mean-teacher /
/// EMA model in general): for every parameter, by name,
/// target = momentum * target + (1 - momentum) * source, in place and without recording.
///
/// Buffers (BatchNorm running statistics) are not touched, as in dino's `main_dino.py`,
/// which averages `parameters()` only: the teacher runs its own forward passes and keeps
/// its own running statistics. The two modules must have the same parameter names and
/// shapes (the teacher is built as a copy of the student).
public func updateExponentialMovingAverage(target: any Module, source: any Module, momentum: Float) {
    let t = target.namedParameters(), s = source.namedParameters()
    precondition(t.count == s.count, "updateExponentialMovingAverage: target has \(t.count) parameters, source \(s.count)")
    withNoGrad {
        for ((tn, tp), (sn, sp)) in zip(t, s) {
            precondition(tn == sn && tp.shape == sp.shape,
                         "updateExponentialMovingAverage: target '\(tn)' \(tp.shape) does not match source '\(sn)' \(sp.shape)")
            tp.assign(tp.detached() * momentum + sp.detached() * (1 - momentum))
        }
    }
}
