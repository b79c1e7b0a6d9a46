import Tensor

/// Mean cross-entropy of logits [N, C] against class indices, with PyTorch's
/// `label_smoothing` and per-class `weight` semantics: the weighted mean divides by the
/// sum of the targets' weights.
public func crossEntropy(_ logits: Tensor, targets: [Int], labelSmoothing: Float = 0, classWeights: [Float]? = nil) -> Tensor {
    precondition(logits.rank == 2 && logits.shape[0] == targets.count,
                 "crossEntropy: logits \(logits.shape) do not match \(targets.count) targets")
    let n = targets.count, c = logits.shape[1]
    let w = classWeights ?? [Float](repeating: 1, count: c)
    precondition(w.count == c, "crossEntropy: \(w.count) class weights for \(c) classes")
    let denom = targets.reduce(Float(0)) { $0 + w[$1] }
    // Constant coefficients q[i, k] so that loss = -sum(q * logp).
    var q = [Float](repeating: 0, count: n * c)
    for (i, y) in targets.enumerated() {
        precondition(y >= 0 && y < c, "crossEntropy: target \(y) in row \(i) out of range 0..<\(c)")
        q[i * c + y] += (1 - labelSmoothing) * w[y] / denom
        for k in 0..<c { q[i * c + k] += labelSmoothing / Float(c) * w[k] / denom }
    }
    return -(logits.logSoftmax() * Tensor(shape: [n, c], q)).sum()
}
