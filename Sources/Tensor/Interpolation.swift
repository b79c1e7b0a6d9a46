import Foundation

extension Tensor {
    /// The [outSize, inSize] matrix of 1-D bicubic resampling weights used by PyTorch's
    /// `interpolate(mode='bicubic', align_corners=False)`: cubic convolution with A = -0.75,
    /// source taps clamped at the border. Resizing an axis is then a matmul, whose
    /// gradient autograd already has.
    public static func bicubicResizeMatrix(from inSize: Int, to outSize: Int) -> Tensor {
        precondition(inSize > 0 && outSize > 0, "bicubicResizeMatrix: sizes must be positive, got \(inSize) -> \(outSize)")
        let a: Double = -0.75
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        let m = Tensor.zeros([outSize, inSize])
        let scale = Double(inSize) / Double(outSize)
        for i in 0..<outSize {
            let src = (Double(i) + 0.5) * scale - 0.5
            let x0 = Foundation.floor(src), t = src - x0
            let w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
            for k in 0..<4 {
                let j = Swift.min(Swift.max(Int(x0) - 1 + k, 0), inSize - 1)
                m.storage.pointer[i * inSize + j] += Float(w[k])
            }
        }
        return m
    }

    /// The [outSize, inSize] matrix of PyTorch's `interpolate(mode='bicubic',
    /// align_corners=False, antialias=True)` (Pillow's resampling), which timm's
    /// `resample_abs_pos_embed` uses by default: cubic convolution with A = -0.5 whose support
    /// widens by the scale when shrinking (a low-pass before subsampling), taps outside the
    /// input dropped and each row's weights renormalized to sum to 1. Weights are computed in
    /// Float, as PyTorch does for float input, so the two agree to rounding.
    public static func antialiasedBicubicResizeMatrix(from inSize: Int, to outSize: Int) -> Tensor {
        precondition(inSize > 0 && outSize > 0, "antialiasedBicubicResizeMatrix: sizes must be positive, got \(inSize) -> \(outSize)")
        let m = Tensor.zeros([outSize, inSize])
        if inSize == outSize {
            for i in 0..<inSize { m.storage.pointer[i * inSize + i] = 1 }
            return m
        }
        func cubic(_ t: Float) -> Float {
            let a: Float = -0.5, x = Swift.abs(t)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
            return 0
        }
        let scale = Float(inSize) / Float(outSize)
        let support: Float = scale >= 1 ? 2 * scale : 2
        let invScale: Float = scale >= 1 ? 1 / scale : 1
        for i in 0..<outSize {
            let center = scale * (Float(i) + 0.5)
            // Truncation toward zero of (center -/+ support + 0.5), as PyTorch's int64 casts.
            let lo = Swift.max(Int(center - support + 0.5), 0)
            let hi = Swift.min(Int(center + support + 0.5), inSize)
            var weights: [Float] = []
            for j in lo..<Swift.max(lo, hi) { weights.append(cubic((Float(j) - center + 0.5) * invScale)) }
            let total = weights.reduce(0, +)
            for (k, w) in weights.enumerated() { m.storage.pointer[i * inSize + lo + k] = total != 0 ? w / total : w }
        }
        return m
    }
}
