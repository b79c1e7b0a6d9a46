import Tensor

/// SimCLR's NT-Xent (normalized temperature-scaled cross-entropy, Chen et al. 2020) for
/// projections `z1`, `z2` [B, D] of two augmented views of the same B images.
///
/// The 2B rows are L2-normalised and compared by cosine similarity / `temperature`; each
/// row's positive is the other view of its image, its negatives the other 2B - 2 rows, and
/// its similarity with itself is masked out (-inf logit). The loss is the cross-entropy
/// with the positive, averaged over all 2B rows (the "mean over 2N" convention of most
/// PyTorch ports; google-research/simclr reports twice this, the sum of both directions'
/// means).
public func ntXentLoss(_ z1: Tensor, _ z2: Tensor, temperature: Float) -> Tensor {
    precondition(z1.rank == 2 && z1.shape == z2.shape && z1.shape[0] >= 1,
                 "ntXentLoss: views must be matching [B, D] tensors, got \(z1.shape) and \(z2.shape)")
    precondition(temperature > 0, "ntXentLoss: temperature must be positive, got \(temperature)")
    let b = z1.shape[0], n = 2 * b
    let z = Tensor.concat([z1, z2], axis: 0).l2Normalized()
    var mask = [Float](repeating: 0, count: n * n)
    for i in 0..<n { mask[i * n + i] = -.infinity }
    let logits = z.matmul(z.transposed()) * (1 / temperature) + Tensor(shape: [n, n], mask)
    let positives = (0..<n).map { ($0 + b) % n }
    return -logits.logSoftmax().gatherLastAxis(positives).mean()
}
