import Tensor

/// Binary cross-entropy on logits with soft targets in [0, 1] (PyTorch
/// `F.binary_cross_entropy_with_logits`), averaged over every element, optionally weighted per
/// element. Written in the stable form max(x, 0) - x t + log(1 + exp(-|x|)), so a large logit
/// never overflows `exp`.
public enum BinaryCrossEntropy {
    public static func withLogits(_ logits: Tensor, targets: Tensor, weights: Tensor? = nil) -> Tensor {
        precondition(logits.shape == targets.shape, "BinaryCrossEntropy: logits \(logits.shape) vs targets \(targets.shape)")
        let perElement = logits.relu() - logits * targets + ((-logits.abs()).exp() + 1).log()
        guard let weights else { return perElement.mean() }
        precondition(weights.shape == logits.shape, "BinaryCrossEntropy: weights \(weights.shape) vs logits \(logits.shape)")
        return (perElement * weights).mean()
    }
}
