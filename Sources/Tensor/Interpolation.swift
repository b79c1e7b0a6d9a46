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
}
