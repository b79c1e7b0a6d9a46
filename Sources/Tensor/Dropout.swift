extension Tensor {
    /// Inverted dropout: zeroes each element with probability `p` and scales survivors by
    /// 1/(1-p), so evaluation needs no rescale. The mask comes from `rng`, so the same seed
    /// drops the same elements; the gradient passes through the same mask.
    public func dropout(p: Float, rng: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: p must be in [0, 1), got \(p)")
        if p == 0 { return self }
        let mask = Tensor.zeros(shape)
        let scale = 1 / (1 - p)
        for i in 0..<count { mask.storage.pointer[i] = rng.nextUniform() < p ? 0 : scale }
        return self * mask
    }
}
