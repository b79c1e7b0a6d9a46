extension Tensor {
    /// Multi-head scaled dot-product self-attention straight from a fused qkv projection:
    /// `qkv` is [B, N, 3C] laid out per token as [3, heads, C/heads] (timm's
    /// `qkv(x).reshape(B, N, 3, H, hd)`), the result [B, N, C] is softmax(q kᵀ / sqrt(hd)) v
    /// with the heads side by side, as timm's `(attn @ v).transpose(1, 2).reshape(B, N, C)`.
    ///
    /// Written as one op because, as a chain of views and tensor ops, each of q, k and v is a
    /// slice whose backward scatters into a zero-filled [B, N, 3C] buffer, the three are summed,
    /// and the head permutation is copied back: five full-size passes per block that carry no
    /// arithmetic. Here each (batch, head) pair is three small sgemms on strided rows of `qkv`
    /// forward and five backward, writing q, k and v gradients straight into their places of
    /// one [B, N, 3C] gradient; the [N, N] attention probabilities are kept for backward.
    public static func selfAttention(qkv: Tensor, heads: Int) -> Tensor {
        precondition(qkv.rank == 3 && heads > 0 && qkv.shape[2] % (3 * heads) == 0,
                     "selfAttention: qkv must be [B, N, 3 * heads * headDim], got \(qkv.shape) with \(heads) heads")
        let b = qkv.shape[0], n = qkv.shape[1], c = qkv.shape[2] / 3, hd = c / heads
        let x = qkv.contiguousData()
        let out = Tensor.uninitialized([b, n, c]), probs = Tensor.uninitialized([b, heads, n, n])
        let scale = 1 / Float(hd).squareRoot()
        let xp = UnsafePointer(x.dataPointer), op = out.dataPointer, pp = probs.dataPointer
        let row = 3 * c
        forEachHead(b * heads, n: n, hd: hd) { pair, _ in
            let bi = pair / heads, h = pair % heads
            let q = xp + bi * n * row + h * hd, k = q + c, v = q + 2 * c
            let p = pp + pair * n * n
            sgemm(false, true, n, n, hd, q, row, k, row, p, n)
            for r in 0..<n {
                let pr = p + r * n
                for j in 0..<n { pr[j] = pr[j] * scale }
                softmaxRow(pr, pr, n)
            }
            sgemm(false, false, n, hd, n, p, n, v, row, op + bi * n * c + h * hd, c)
        }
        withExtendedLifetime(x) {}
        let xd = x.detached()
        return record("selfAttention", out, inputs: [qkv]) { g in
            let gc = g.contiguousData()
            let gx = Tensor.uninitialized([b, n, row])
            let gp = UnsafePointer(gc.dataPointer), gxp = gx.dataPointer, xp = UnsafePointer(xd.dataPointer)
            let pp = UnsafePointer(probs.dataPointer)
            forEachHead(b * heads, n: n, hd: hd) { pair, scratch in
                let bi = pair / heads, h = pair % heads
                let q = xp + bi * n * row + h * hd, k = q + c, v = q + 2 * c
                let gq = gxp + bi * n * row + h * hd, gk = gq + c, gv = gq + 2 * c
                let go = gp + bi * n * c + h * hd
                let p = pp + pair * n * n
                sgemm(true, false, n, hd, n, p, n, go, c, gv, row)             // dV = Pᵀ dO
                sgemm(false, true, n, n, hd, go, c, v, row, scratch, n)        // dP = dO Vᵀ
                for r in 0..<n {
                    let s = scratch + r * n
                    softmaxBackwardRow(s, p + r * n, s, n)
                    for j in 0..<n { s[j] = s[j] * scale }
                }
                sgemm(false, false, n, hd, n, scratch, n, k, row, gq, row)    // dQ = dS K
                sgemm(true, false, n, hd, n, scratch, n, q, row, gk, row)     // dK = dSᵀ Q
            }
            withExtendedLifetime((gc, xd, probs)) {}
            return [gx]
        }
    }

    /// Runs `body(pair, scratch)` for each (batch, head) pair on the OpenMP team, each sgemm
    /// on its own thread; `scratch` is an [N, N] buffer private to the running thread.
    private static func forEachHead(_ pairs: Int, n: Int, hd: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        parallelFor(pairs, minimumPerThread: Swift.max(1, (1 << 17) / Swift.max(n * n * hd, 1))) { r in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(n * n, 1))
            defer { scratch.deallocate() }
            for pair in r { body(pair, scratch) }
        }
    }
}
