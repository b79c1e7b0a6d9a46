import COpenBLAS

extension Tensor {
    /// How cblas_sgemm can read a 2-D strided view without a copy: as-is (row stride is
    /// the leading dimension) or transposed (a transposed view of a dense matrix).
    private static func gemmOperand(_ t: Tensor) -> (Tensor, CBLAS_TRANSPOSE, Int) {
        let r = t.rank
        let rs = t.strides[r - 2], cs = t.strides[r - 1]
        if cs == 1 && rs >= Swift.max(t.shape[r - 1], 1) { return (t, CblasNoTrans, rs) }
        if rs == 1 && cs >= Swift.max(t.shape[r - 2], 1) { return (t, CblasTrans, cs) }
        let c = t.contiguousData()
        return (c, CblasNoTrans, Swift.max(t.shape[r - 1], 1))
    }

    /// Matrix product over the last two axes; leading (batch) axes broadcast. Each
    /// batch is one cblas_sgemm reading transposed views in place.
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
        let aDense = ta == CblasNoTrans && lda == aMat.strides[0] || ta == CblasTrans && lda == aMat.strides[1]
        let bDense = tb == CblasNoTrans && ldb == bMat.strides[0] || tb == CblasTrans && ldb == bMat.strides[1]
        var copies: [Tensor] = []  // keeps per-batch dense copies alive through the sgemm calls
        if m > 0 && n > 0 {
            for i in 0..<batches {
                var pa: UnsafeMutablePointer<Float>, pb: UnsafeMutablePointer<Float>
                var lda2 = lda, ldb2 = ldb, ta2 = ta, tb2 = tb
                if aDense { pa = a.storage.pointer + aOff[i] } else {
                    let c = Tensor(storage: a.storage, shape: [m, k], strides: aMat.strides, offset: aOff[i]).contiguousData()
                    pa = c.dataPointer; lda2 = Swift.max(k, 1); ta2 = CblasNoTrans
                    copies.append(c)
                }
                if bDense { pb = b.storage.pointer + bOff[i] } else {
                    let c = Tensor(storage: b.storage, shape: [k, n], strides: bMat.strides, offset: bOff[i]).contiguousData()
                    pb = c.dataPointer; ldb2 = Swift.max(n, 1); tb2 = CblasNoTrans
                    copies.append(c)
                }
                cblas_sgemm(CblasRowMajor, ta2, tb2, Int32(m), Int32(n), Int32(k), 1, pa, Int32(lda2), pb, Int32(ldb2),
                            0, out.storage.pointer + i * m * n, Int32(n))
                copies.removeAll(keepingCapacity: true)
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
