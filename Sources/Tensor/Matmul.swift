import CDNNL

extension Tensor {
    /// How sgemm can read a 2-D strided view without a copy: as-is (row stride is the
    /// leading dimension) or transposed (a transposed view of a dense matrix).
    private static func gemmOperand(_ t: Tensor) -> (Tensor, transposed: Bool, Int) {
        let r = t.rank
        let rs = t.strides[r - 2], cs = t.strides[r - 1]
        if cs == 1 && rs >= Swift.max(t.shape[r - 1], 1) { return (t, false, rs) }
        if rs == 1 && cs >= Swift.max(t.shape[r - 2], 1) { return (t, true, cs) }
        let c = t.contiguousData()
        return (c, false, Swift.max(t.shape[r - 1], 1))
    }

    /// Row-major C[m, n] = op(A)[m, k] op(B)[k, n] on oneDNN's sgemm, not OpenBLAS's: it
    /// runs on the same OpenMP team as oneDNN's other kernels and `parallelFor`. With two
    /// pools (OpenBLAS's pthreads yield-spinning after each GEMM while OpenMP's threads
    /// spin after each eltwise/norm/elementwise pass) a 2-core ViT step spent ~45% of its
    /// time spinning; inside a `parallelFor` chunk oneDNN's sgemm runs on the calling thread.
    /// With `accumulate`, C += op(A) op(B) (beta 1) instead of C = op(A) op(B).
    static func sgemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int, accumulate: Bool = false) {
        let status = dnnl_sgemm(CChar(UInt8(ascii: ta ? "T" : "N")), CChar(UInt8(ascii: tb ? "T" : "N")),
                                Int64(m), Int64(n), Int64(k), 1, a, Int64(lda), b, Int64(ldb), accumulate ? 1 : 0, c, Int64(ldc))
        precondition(status == dnnl_success, "matmul: dnnl_sgemm failed (\(status)) for \(m)x\(k) x \(k)x\(n)")
    }

    /// Matrix product over the last two axes; leading (batch) axes broadcast. Each
    /// batch is one sgemm reading transposed views in place.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 2 && other.rank >= 2, "matmul: need rank >= 2, got \(shape) and \(other.shape)")
        let m = shape[rank - 2], k = shape[rank - 1], n = other.shape[other.rank - 1]
        precondition(other.shape[other.rank - 2] == k, "matmul: inner sizes differ, \(shape) x \(other.shape)")
        if rank > 2 && other.rank == 2 && k > 0 {
            // [..., M, K] x [K, N] (a Linear layer on tokens) is one [(...M), K] x [K, N]
            // sgemm rather than one small sgemm per leading index; its backward then gets
            // the weight gradient from one [K, (...M)] x [(...M), N] product instead of a
            // per-batch product followed by a reduction over the batch.
            let lead = Array(shape.dropLast())
            return reshape([count / Swift.max(k, 1), k]).matmul(other).reshape(lead + [n])
        }
        let batch = broadcastShape(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)))
        let a = expand(batch + [m, k]).detached(), b = other.expand(batch + [k, n]).detached()
        let out = k > 0 ? Tensor.uninitialized(batch + [m, n]) : Tensor.zeros(batch + [m, n])
        let batches = batch.reduce(1, *)
        // Batch offsets of each operand, walked with the strided loop over the batch axes.
        var aOff: [Int] = [], bOff: [Int] = []
        aOff.reserveCapacity(batches); bOff.reserveCapacity(batches)
        let bs = batch.isEmpty ? [1] : batch
        let sa = batch.isEmpty ? [0] : Array(a.strides.dropLast(2)), sb = batch.isEmpty ? [0] : Array(b.strides.dropLast(2))
        forEachRow(shape: bs, strides: [sa, sb], offsets: [a.offset, b.offset]) { off, inner, cnt in
            for j in 0..<cnt { aOff.append(off[0] + j * inner[0]); bOff.append(off[1] + j * inner[1]) }
        }
        let aMat = Tensor(storage: a.storage, shape: [m, k], strides: Array(a.strides.suffix(2)), offset: 0)
        let bMat = Tensor(storage: b.storage, shape: [k, n], strides: Array(b.strides.suffix(2)), offset: 0)
        let (_, ta, lda) = Tensor.gemmOperand(aMat)
        let (_, tb, ldb) = Tensor.gemmOperand(bMat)
        let aDense = !ta && lda == aMat.strides[0] || ta && lda == aMat.strides[1]
        let bDense = !tb && ldb == bMat.strides[0] || tb && ldb == bMat.strides[1]
        if m > 0 && n > 0 && k > 0 {
            // One batch's product; non-dense operands are copied dense for the call.
            func product(_ i: Int) {
                var ca: Tensor?, cb: Tensor?
                var pa = UnsafePointer(a.storage.pointer + aOff[i]), pb = UnsafePointer(b.storage.pointer + bOff[i])
                var lda2 = lda, ldb2 = ldb, ta2 = ta, tb2 = tb
                if !aDense {
                    let c = Tensor(storage: a.storage, shape: [m, k], strides: aMat.strides, offset: aOff[i]).contiguousData()
                    pa = UnsafePointer(c.dataPointer); lda2 = k; ta2 = false; ca = c
                }
                if !bDense {
                    let c = Tensor(storage: b.storage, shape: [k, n], strides: bMat.strides, offset: bOff[i]).contiguousData()
                    pb = UnsafePointer(c.dataPointer); ldb2 = n; tb2 = false; cb = c
                }
                Tensor.sgemm(ta2, tb2, m, n, k, pa, lda2, pb, ldb2, out.storage.pointer + i * m * n, n)
                withExtendedLifetime((ca, cb)) {}
            }
            // Many small products (attention's per-head [N, hd] x [hd, N]) split over the
            // team a batch per thread, each sgemm on its own thread: one parallel region
            // instead of one per product. One large product threads inside the sgemm.
            if batches > 1 {
                parallelFor(batches, minimumPerThread: Swift.max(1, (1 << 18) / Swift.max(m * n * k, 1))) { r in
                    for i in r { product(i) }
                }
            } else {
                product(0)
            }
        }
        let ad = detached(), bd = other.detached()
        let needA = requiresGrad, needB = other.requiresGrad
        return Tensor.record("matmul", out, inputs: [self, other]) { g in
            [needA ? g.matmul(bd.transposed()).sumTo(ad.shape) : nil,
             needB ? ad.transposed().matmul(g).sumTo(bd.shape) : nil]
        }
    }
}

extension Tensor {
    /// x Wᵀ + b over the last axis of `x` ([..., in] with weight [out, in], bias [out]):
    /// PyTorch's `linear`. The bias is written into the output rows first and the product
    /// accumulated onto them by sgemm (beta 1), so the bias costs no separate full-size pass
    /// and temporary; backward is the two matmuls and a column sum.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        guard let bias else { return x.matmul(weight.transposed()) }
        precondition(x.rank >= 1 && weight.rank == 2 && x.shape.last == weight.shape[1] && bias.shape == [weight.shape[0]],
                     "linear: input \(x.shape), weight \(weight.shape) and bias \(bias.shape) do not fit [..., in], [out, in], [out]")
        let k = weight.shape[1], n = weight.shape[0], m = x.count / Swift.max(k, 1)
        let xc = x.contiguousData(), wc = weight.contiguousData(), bc = bias.contiguousData()
        let outShape = Array(x.shape.dropLast()) + [n]
        let out = Tensor.uninitialized(outShape)
        let op = out.dataPointer, bp = UnsafePointer(bc.dataPointer)
        parallelFor(m, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(n, 1))) { rows in
            for r in rows { (op + r * n).update(from: bp, count: n) }
        }
        if m > 0 && n > 0 && k > 0 {
            sgemm(false, true, m, n, k, xc.dataPointer, k, wc.dataPointer, k, op, n, accumulate: true)
        }
        withExtendedLifetime((xc, wc, bc)) {}
        let xd = xc.detached(), wd = wc.detached(), xShape = x.shape
        let needX = x.requiresGrad, needW = weight.requiresGrad, needB = bias.requiresGrad
        return record("linear", out, inputs: [x, weight, bias]) { g in
            let g2 = g.reshape([m, n])
            return [needX ? g2.matmul(wd).reshape(xShape) : nil,
                    needW ? g2.transposed().matmul(xd.reshape([m, k])) : nil,
                    needB ? g2.sum(axes: [0]) : nil]
        }
    }
}
