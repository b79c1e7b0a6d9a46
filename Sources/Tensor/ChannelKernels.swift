/// Per-channel passes over contiguous NCHW data (each (image, channel) plane is a dense run
/// of H*W floats): batch-norm statistics and its backward sums, and the per-channel affine
/// map, each optionally followed by a ReLU (ResNet's bn-relu pairs: one pass and no
/// intermediate tensor instead of two). Written as 8-wide SIMD loops split over channels on
/// the OpenMP team; oneDNN 2.6's
/// batch norm on plain NCHW (`ncsp_bnorm`) runs single passes several times slower, and the
/// same math in broadcasting tensor ops costs a dozen full-size temporaries.
enum ChannelKernels {
    /// Work per thread below which a pass runs on the calling thread.
    private static let grain = 1 << 15

    private static func forChannels(n: Int, c: Int, hw: Int, _ body: (Int) -> Void) {
        parallelFor(c, minimumPerThread: Swift.max(1, grain / Swift.max(n * hw, 1))) { r in for ch in r { body(ch) } }
    }

    /// Sum of `count` floats from `p`, in 8 lanes (then Double across calls by the caller).
    @inline(__always)
    private static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < count { s += p[i]; i += 1 }
        return s
    }

    /// Sum of (p[i] - shift)^2.
    @inline(__always)
    private static func sumSquares(_ p: UnsafePointer<Float>, _ count: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        let m = SIMD8<Float>(repeating: shift)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m
            acc += d * d
            i += 8
        }
        var s = acc.sum()
        while i < count { let d = p[i] - shift; s += d * d; i += 1 }
        return s
    }

    /// The gradient reaching an affine map y = a x + b through an optional ReLU: g, or 0
    /// where y is not positive (PyTorch's ReLU backward, which masks by its output > 0).
    @inline(__always)
    private static func masked(_ g: SIMD8<Float>, _ x: SIMD8<Float>, _ relu: (a: SIMD8<Float>, b: SIMD8<Float>)?) -> SIMD8<Float> {
        guard let relu else { return g }
        return g.replacing(with: 0, where: .!(relu.a * x + relu.b .> 0))
    }

    @inline(__always)
    private static func masked(_ g: Float, _ x: Float, _ relu: (a: Float, b: Float)?) -> Float {
        guard let relu else { return g }
        return relu.a * x + relu.b > 0 ? g : 0
    }

    /// (sum of g'[i], sum of g'[i] * (x[i] - shift)) in one pass, g' the gradient after the
    /// optional ReLU mask of `masked`.
    @inline(__always)
    private static func gradientSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, shift: Float,
                                     relu: (a: Float, b: Float)?) -> (Float, Float) {
        var accG = SIMD8<Float>(repeating: 0), accGX = SIMD8<Float>(repeating: 0)
        let m = SIMD8<Float>(repeating: shift)
        let vrelu = relu.map { (a: SIMD8<Float>(repeating: $0.a), b: SIMD8<Float>(repeating: $0.b)) }
        var i = 0
        let rg = UnsafeRawPointer(g), rx = UnsafeRawPointer(x)
        while i + 8 <= count {
            let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let gv = masked(rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), xv, vrelu)
            accG += gv
            accGX += gv * (xv - m)
            i += 8
        }
        var sg = accG.sum(), sgx = accGX.sum()
        while i < count {
            let gi = masked(g[i], x[i], relu)
            sg += gi
            sgx += gi * (x[i] - shift)
            i += 1
        }
        return (sg, sgx)
    }

    /// out[i] = a * x[i] + b, then max(0, .) when `relu`.
    @inline(__always)
    private static func affine(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int, _ a: Float, _ b: Float,
                               relu: Bool) {
        let va = SIMD8<Float>(repeating: a), vb = SIMD8<Float>(repeating: b)
        var i = 0
        let rx = UnsafeRawPointer(x), ro = UnsafeMutableRawPointer(out)
        while i + 8 <= count {
            var y = va * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + vb
            if relu { y = y.replacing(with: 0, where: y .< 0) }
            ro.storeBytes(of: y, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let y = a * x[i] + b
            out[i] = relu && y < 0 ? 0 : y
            i += 1
        }
    }

    /// Batch statistics of contiguous NCHW `x` (mean and biased variance per channel, two
    /// passes) and the normalized, scaled and shifted output (through a ReLU when `relu`).
    static func batchNormForward(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float,
                                 relu: Bool) -> (out: Tensor, mean: Tensor, variance: Tensor) {
        let n = x.shape[0], c = x.shape[1], hw = x.count / Swift.max(n * c, 1)
        let out = Tensor.uninitialized(x.shape), mean = Tensor.uninitialized([c]), variance = Tensor.uninitialized([c])
        let xp = UnsafePointer(x.dataPointer), op = out.dataPointer, wp = weight.dataPointer, bp = bias.dataPointer
        let mp = mean.dataPointer, vp = variance.dataPointer
        let count = Double(n * hw)
        forChannels(n: n, c: c, hw: hw) { ch in
            var s = 0.0
            for b in 0..<n { s += Double(sum(xp + (b * c + ch) * hw, hw)) }
            let m = Float(s / count)
            var q = 0.0
            for b in 0..<n { q += Double(sumSquares(xp + (b * c + ch) * hw, hw, shift: m)) }
            let v = Float(q / count)
            let a = wp[ch] / (v + eps).squareRoot()
            for b in 0..<n { affine(xp + (b * c + ch) * hw, op + (b * c + ch) * hw, hw, a, bp[ch] - m * a, relu: relu) }
            mp[ch] = m
            vp[ch] = v
        }
        return (out, mean, variance)
    }

    /// Gradients of batch norm (training statistics) with respect to x, weight and bias,
    /// from the saved batch mean and biased variance; with `relu`, of the fused
    /// batch norm + ReLU (the mask recomputed from x with the forward's exact arithmetic,
    /// so the output need not be kept).
    static func batchNormBackward(_ g: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor,
                                  eps: Float, relu: Bool) -> (gx: Tensor, gWeight: Tensor, gBias: Tensor) {
        let n = x.shape[0], c = x.shape[1], hw = x.count / Swift.max(n * c, 1)
        let gx = Tensor.uninitialized(x.shape), gw = Tensor.uninitialized([c]), gb = Tensor.uninitialized([c])
        let gp = UnsafePointer(g.dataPointer), xp = UnsafePointer(x.dataPointer), op = gx.dataPointer
        let wp = weight.dataPointer, bp = bias.dataPointer, mp = mean.dataPointer, vp = variance.dataPointer
        let gwp = gw.dataPointer, gbp = gb.dataPointer
        let count = Float(n * hw)
        forChannels(n: n, c: c, hw: hw) { ch in
            let m = mp[ch], std = (vp[ch] + eps).squareRoot(), invStd = 1 / std
            // The forward's a and b, computed the same way, for the ReLU mask.
            let a = wp[ch] / std
            let mask: (a: Float, b: Float)? = relu ? (a, bp[ch] - m * a) : nil
            let vmask = mask.map { (a: SIMD8<Float>(repeating: $0.a), b: SIMD8<Float>(repeating: $0.b)) }
            var sg = 0.0, sgx = 0.0
            for b in 0..<n {
                let o = (b * c + ch) * hw
                let (s1, s2) = gradientSums(gp + o, xp + o, hw, shift: m, relu: mask)
                sg += Double(s1)
                sgx += Double(s2)
            }
            let gBias = Float(sg), gScale = Float(sgx) * invStd
            // gx = w invStd (g - gBias/count - xhat gScale/count) = k1 g + k2 x + k3.
            let k1 = wp[ch] * invStd
            let k2 = -k1 * invStd * gScale / count
            let k3 = -k1 * gBias / count - k2 * m
            let v1 = SIMD8<Float>(repeating: k1), v2 = SIMD8<Float>(repeating: k2), v3 = SIMD8<Float>(repeating: k3)
            for b in 0..<n {
                let o = (b * c + ch) * hw
                let rg = UnsafeRawPointer(gp + o), rx = UnsafeRawPointer(xp + o), ro = UnsafeMutableRawPointer(op + o)
                var i = 0
                while i + 8 <= hw {
                    let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    let gv = masked(rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), xv, vmask)
                    ro.storeBytes(of: v1 * gv + v2 * xv + v3, toByteOffset: i * 4, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < hw {
                    let xi = xp[o + i]
                    op[o + i] = k1 * masked(gp[o + i], xi, mask) + k2 * xi + k3
                    i += 1
                }
            }
            gwp[ch] = gScale
            gbp[ch] = gBias
        }
        return (gx, gw, gb)
    }

    /// out[n, c, ...] = x[n, c, ...] * scale[c] + shift[c] on contiguous NCHW `x`, then
    /// max(0, .) when `relu`.
    static func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor, relu: Bool = false) -> Tensor {
        let n = x.shape[0], c = x.shape[1], hw = x.count / Swift.max(n * c, 1)
        let out = Tensor.uninitialized(x.shape)
        let xp = UnsafePointer(x.dataPointer), op = out.dataPointer, sp = scale.dataPointer, bp = shift.dataPointer
        forChannels(n: n, c: c, hw: hw) { ch in
            for b in 0..<n { affine(xp + (b * c + ch) * hw, op + (b * c + ch) * hw, hw, sp[ch], bp[ch], relu: relu) }
        }
        return out
    }

    /// Per-channel (sum of g, sum of g * x) over N and H*W: the scale and shift gradients of
    /// `channelAffine`.
    static func channelSums(_ g: Tensor, _ x: Tensor) -> (gScale: Tensor, gShift: Tensor) {
        let n = x.shape[0], c = x.shape[1], hw = x.count / Swift.max(n * c, 1)
        let gs = Tensor.uninitialized([c]), gb = Tensor.uninitialized([c])
        let gp = UnsafePointer(g.dataPointer), xp = UnsafePointer(x.dataPointer), gsp = gs.dataPointer, gbp = gb.dataPointer
        forChannels(n: n, c: c, hw: hw) { ch in
            var sg = 0.0, sgx = 0.0
            for b in 0..<n {
                let o = (b * c + ch) * hw
                let (s1, s2) = gradientSums(gp + o, xp + o, hw, shift: 0, relu: nil)
                sg += Double(s1)
                sgx += Double(s2)
            }
            gsp[ch] = Float(sgx)
            gbp[ch] = Float(sg)
        }
        return (gs, gb)
    }
}
