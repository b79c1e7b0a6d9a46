/// Nearest-neighbour upsampling of NCHW maps by an integer factor (PyTorch
/// `F.interpolate(x, scale_factor=s, mode="nearest")`): every input pixel becomes an s x s
/// block. The decoder of a U-Net uses it before the skip concatenation; its gradient sums
/// each block back onto its source pixel.
extension Tensor {
    public static func upsampleNearest2d(_ x: Tensor, scale: Int) -> Tensor {
        precondition(x.rank == 4, "upsampleNearest2d: need NCHW input, got \(x.shape)")
        precondition(scale >= 1, "upsampleNearest2d: scale \(scale) must be at least 1")
        let planes = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3]
        let oh = h * scale, ow = w * scale
        let src = x.contiguousData()
        let out = Tensor.uninitialized([x.shape[0], x.shape[1], oh, ow])
        let sp = src.dataPointer, op = out.dataPointer
        parallelFor(planes, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(oh * ow, 1))) { range in
            for p in range {
                let s = sp + p * h * w, o = op + p * oh * ow
                for y in 0..<h {
                    let row = o + y * scale * ow
                    for xx in 0..<w {
                        let v = s[y * w + xx]
                        for k in 0..<scale { row[xx * scale + k] = v }
                    }
                    for k in 1..<scale { (row + k * ow).update(from: row, count: ow) }
                }
            }
        }
        let inShape = x.shape
        return record("upsampleNearest2d", out, inputs: [x]) { g in
            let gc = g.contiguousData()
            let gx = Tensor.zeros(inShape)
            let gp = gc.dataPointer, xp = gx.dataPointer
            parallelFor(planes, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(oh * ow, 1))) { range in
                for p in range {
                    let gi = gp + p * oh * ow, d = xp + p * h * w
                    for oy in 0..<oh {
                        let drow = d + (oy / scale) * w, grow = gi + oy * ow
                        for ox in 0..<ow { drow[ox / scale] += grow[ox] }
                    }
                }
            }
            return [gx]
        }
    }
}
