import Foundation

extension Tensor {
    /// Softmax along the last axis, max-shifted for stability.
    public func softmax() -> Tensor {
        let out = rowwise { src, dst, n in Tensor.softmaxRow(src, dst, n) }
        let od = out.detached()
        return Tensor.record("softmax", out, inputs: [self]) { g in
            [g.rowwise(with: od) { gp, yp, dst, n in Tensor.softmaxBackwardRow(gp, yp, dst, n) }]
        }
    }

    /// dst = softmax(src) over one row of `n` (`src` and `dst` may be the same row).
    @inline(__always)
    static func softmaxRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for j in 0..<n where src[j] > m { m = src[j] }
        var s: Float = 0
        for j in 0..<n { dst[j] = Foundation.exp(src[j] - m); s += dst[j] }
        let inv = 1 / s
        for j in 0..<n { dst[j] *= inv }
    }

    /// dst = y * (g - sum(g * y)), the softmax gradient of one row from its output `y`, in
    /// one pass instead of four broadcasting ops (`dst` may alias `g`).
    @inline(__always)
    static func softmaxBackwardRow(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                   _ n: Int) {
        var dot: Float = 0
        for j in 0..<n { dot += g[j] * y[j] }
        for j in 0..<n { dst[j] = y[j] * (g[j] - dot) }
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

    /// Runs `body(srcRow, dstRow, rowLength)` on each last-axis row into a new tensor,
    /// rows split over the OpenMP team (attention's softmax has B*H*N short rows).
    private func rowwise(_ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        // Made contiguous once here, so the two-input pass does not copy it a second time.
        let src = contiguousData()
        return src.rowwise(with: src) { row, _, dst, n in body(row, dst, n) }
    }

    /// `rowwise` over this tensor's rows and the matching rows of `other` (same shape).
    private func rowwise(with other: Tensor,
                         _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        precondition(other.shape == shape, "rowwise: shapes differ, \(shape) and \(other.shape)")
        let a = contiguousData(), b = other.contiguousData()
        let out = Tensor.uninitialized(shape)
        let n = shape.last ?? 1
        if n == 0 { return out }
        let ap = UnsafePointer(a.dataPointer), bp = UnsafePointer(b.dataPointer), op = out.storage.pointer
        parallelFor(count / n, minimumPerThread: Swift.max(1, (1 << 14) / n)) { rows in
            for r in rows { body(ap + r * n, bp + r * n, op + r * n, n) }
        }
        withExtendedLifetime((a, b)) {}
        return out
    }
}
