/// Per-row passes over contiguous [rows, d] data: the backward of layer norm over the last
/// axis. Written as one read of g and x per row (plus per-thread column sums for the affine
/// gradients) on the OpenMP team; the same math in broadcasting tensor ops made a dozen
/// full-size temporaries and passes, about a tenth of a ViT training step.
enum RowKernels {
    /// Work per thread below which a pass runs on the calling thread.
    private static let grain = 1 << 15

    /// Gradients of layer norm over the last axis with respect to x, weight and bias, from
    /// the saved per-row mean and biased variance. `g` and `x` are contiguous [rows, d].
    static func layerNormBackward(_ g: Tensor, _ x: Tensor, weight: Tensor, mean: Tensor, variance: Tensor,
                                  eps: Float) -> (gx: Tensor, gWeight: Tensor, gBias: Tensor) {
        let rows = x.shape[0], d = x.shape[1]
        let chunks = Swift.max(1, Swift.min(Threads.count, rows * d / grain, rows))
        let gx = Tensor.uninitialized([rows, d])
        // Per-chunk column sums: [chunk][0..<d] sum g * xhat, [chunk][d..<2d] sum g.
        var partial = [Float](repeating: 0, count: chunks * 2 * d)
        let gp = UnsafePointer(g.dataPointer), xp = UnsafePointer(x.dataPointer), op = gx.dataPointer
        let w = weight.contiguousData()
        let wp = UnsafePointer(w.dataPointer)
        let mp = UnsafePointer(mean.dataPointer), vp = UnsafePointer(variance.dataPointer)
        let invD = 1 / Float(d)
        partial.withUnsafeMutableBufferPointer { part in
            let pp = part.baseAddress!
            parallelFor(chunks, minimumPerThread: 1) { r in
                for chunk in r {
                    let gws = pp + chunk * 2 * d, gbs = gws + d
                    for row in (rows * chunk / chunks)..<(rows * (chunk + 1) / chunks) {
                        let o = row * d, m = mp[row], invStd = 1 / (vp[row] + eps).squareRoot()
                        // a = mean(g w), b = mean(g w xhat); gx = invStd (g w - a - xhat b).
                        var a: Float = 0, b: Float = 0
                        for j in 0..<d {
                            let gw = gp[o + j] * wp[j], xhat = (xp[o + j] - m) * invStd
                            a += gw
                            b += gw * xhat
                            gws[j] += gp[o + j] * xhat
                            gbs[j] += gp[o + j]
                        }
                        a *= invD
                        b *= invD
                        for j in 0..<d {
                            let xhat = (xp[o + j] - m) * invStd
                            op[o + j] = invStd * (gp[o + j] * wp[j] - a - xhat * b)
                        }
                    }
                }
            }
        }
        withExtendedLifetime(w) {}
        let gw = Tensor.zeros([d]), gb = Tensor.zeros([d])
        let gwp = gw.dataPointer, gbp = gb.dataPointer
        for chunk in 0..<chunks {
            for j in 0..<d {
                gwp[j] += partial[chunk * 2 * d + j]
                gbp[j] += partial[chunk * 2 * d + d + j]
            }
        }
        return (gx, gw, gb)
    }
}
