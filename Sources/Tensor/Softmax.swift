import Foundation

extension Tensor {
    /// Softmax along the last axis, max-shifted for stability.
    public func softmax() -> Tensor {
        let out = rowwise { src, dst, n in
            var m = -Float.infinity
            for j in 0..<n where src[j] > m { m = src[j] }
            var s: Float = 0
            for j in 0..<n { dst[j] = Foundation.exp(src[j] - m); s += dst[j] }
            let inv = 1 / s
            for j in 0..<n { dst[j] *= inv }
        }
        let od = out.detached()
        return Tensor.record("softmax", out, inputs: [self]) { g in
            // dx = y * (g - sum(g * y))
            let gy = g * od
            return [gy - od * gy.sum(axes: [-1], keepDims: true)]
        }
    }

    /// log(softmax(x)) along the last axis, computed as x - max - log(sum(exp(x - max))).
    public func logSoftmax() -> Tensor {
        let out = rowwise { src, dst, n in
            var m = -Float.infinity
            for j in 0..<n where src[j] > m { m = src[j] }
            var s: Double = 0
            for j in 0..<n { s += Double(Foundation.exp(src[j] - m)) }
            let lse = m + Float(Foundation.log(s))
            for j in 0..<n { dst[j] = src[j] - lse }
        }
        let od = out.detached()
        return Tensor.record("logSoftmax", out, inputs: [self]) { g in
            // dx = g - softmax * sum(g)
            [g - od.exp() * g.sum(axes: [-1], keepDims: true)]
        }
    }

    /// Runs `body(srcRow, dstRow, rowLength)` on each last-axis row into a new tensor.
    private func rowwise(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let src = contiguousData()
        let out = Tensor.uninitialized(shape)
        let n = shape.last ?? 1
        if n == 0 { return out }
        for r in 0..<(count / n) { body(src.dataPointer + r * n, out.storage.pointer + r * n, n) }
        return out
    }
}
