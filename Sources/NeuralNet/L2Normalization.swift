import Tensor

extension Tensor {
    /// Rows (last axis) scaled to unit L2 norm, with `F.normalize`'s eps 1e-12 on the norm.
    func l2Normalized(eps: Float = 1e-12) -> Tensor {
        self / (self * self).sum(axes: [-1], keepDims: true).sqrt().clamp(min: eps)
    }
}
