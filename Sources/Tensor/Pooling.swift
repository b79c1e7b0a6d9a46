import CDNNL

/// Max or average 2-D pooling (PyTorch `max_pool2d` / `avg_pool2d` with
/// `count_include_pad=True`, floor mode) on oneDNN, forward and backward.
public enum PoolKind: String, Sendable {
    case max, average
}

struct PoolGeometry {
    let n, c, h, w, kernel, stride, padding: Int
    let kind: PoolKind
    var oh: Int { (h + 2 * padding - kernel) / stride + 1 }
    var ow: Int { (w + 2 * padding - kernel) / stride + 1 }
    var key: String { "\(kind) \(n),\(c),\(h),\(w),k\(kernel),s\(stride),p\(padding)" }
    var alg: dnnl_alg_kind_t { kind == .max ? dnnl_pooling_max : dnnl_pooling_avg_include_padding }
    var src: dnnl_memory_desc_t { DNNL.desc([n, c, h, w], dnnl_nchw) }
    var dst: dnnl_memory_desc_t { DNNL.desc([n, c, oh, ow], dnnl_nchw) }
    // Pooling runs on channel-blocked copies: oneDNN's JIT pooling needs them, and its plain
    // NCHW fallback is an order of magnitude slower than the two reorders.
    var srcBlocked: dnnl_memory_desc_t { DNNL.desc([n, c, h, w], DNNL.channelBlockedTag) }
    var dstBlocked: dnnl_memory_desc_t { DNNL.desc([n, c, oh, ow], DNNL.channelBlockedTag) }
    var k2: [Int64] { [Int64(kernel), Int64(kernel)] }
    var s2: [Int64] { [Int64(stride), Int64(stride)] }
    var p2: [Int64] { [Int64(padding), Int64(padding)] }

    func forward() -> DNNLPrimitive {
        DNNL.shared.primitive("pool_fwd " + key) {
            var d = dnnl_pooling_desc_t()
            var s = srcBlocked, ds = dstBlocked
            DNNL.check(dnnl_pooling_forward_desc_init(&d, dnnl_forward_training, alg, &s, &ds, s2, k2, p2, p2), "pool fwd desc")
            return DNNLPrimitive("pool_fwd", d)
        }
    }

    func backward() -> DNNLPrimitive {
        DNNL.shared.primitive("pool_bwd " + key) {
            var d = dnnl_pooling_desc_t()
            var s = srcBlocked, ds = dstBlocked
            DNNL.check(dnnl_pooling_backward_desc_init(&d, alg, &s, &ds, s2, k2, p2, p2), "pool bwd desc")
            return DNNLPrimitive("pool_bwd", d, hint: forward())
        }
    }
}

extension Tensor {
    public static func pool2d(_ x: Tensor, kind: PoolKind, kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        precondition(x.rank == 4, "pool2d: need NCHW input, got \(x.shape)")
        let geo = PoolGeometry(n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], kernel: kernel,
                               stride: stride ?? kernel, padding: padding, kind: kind)
        precondition(geo.oh > 0 && geo.ow > 0, "pool2d: kernel \(kernel) larger than padded input \(x.shape)")
        precondition(padding * 2 <= kernel, "pool2d: padding \(padding) must be at most half the kernel \(kernel)")
        let xb = DNNLData(geo.src, x.contiguousData()).converted(to: geo.srcBlocked)
        let ob = DNNLData(empty: geo.dstBlocked)
        let fwd = geo.forward()
        let ws = fwd.workspace
        let wsBuf = ws.map { DNNLBuffer(bytes: $0.byteSize) }
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNLArg.src, xb.md, xb.pointer), (DNNLArg.dst, ob.md, ob.pointer),
        ]
        if let ws, let wsBuf { args.append((DNNLArg.workspace, ws, wsBuf.pointer)) }
        DNNL.shared.execute(fwd, args)
        withExtendedLifetime(xb.owner) {}
        let out = Tensor.uninitialized([geo.n, geo.c, geo.oh, geo.ow])
        ob.write(into: out, plain: geo.dst)
        return record("pool2d", out, inputs: [x]) { g in
            let gb = DNNLData(geo.dst, g.contiguousData()).converted(to: geo.dstBlocked)
            let gxb = DNNLData(empty: geo.srcBlocked)
            var a: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
                (DNNLArg.diffDst, gb.md, gb.pointer), (DNNLArg.diffSrc, gxb.md, gxb.pointer),
            ]
            if let ws, let wsBuf { a.append((DNNLArg.workspace, ws, wsBuf.pointer)) }
            DNNL.shared.execute(geo.backward(), a)
            withExtendedLifetime(gb.owner) {}
            let gx = Tensor.uninitialized([geo.n, geo.c, geo.h, geo.w])
            gxb.write(into: gx, plain: geo.src)
            return [gx]
        }
    }

    /// Adaptive average pooling to `size`x`size`, when the input divides evenly (global
    /// pooling, size 1, always does).
    public static func adaptiveAvgPool2d(_ x: Tensor, size: Int) -> Tensor {
        precondition(x.rank == 4, "adaptiveAvgPool2d: need NCHW input, got \(x.shape)")
        if size == 1 { return x.mean(axes: [2, 3], keepDims: true) }
        precondition(x.shape[2] % size == 0 && x.shape[3] == x.shape[2],
                     "adaptiveAvgPool2d: square input with side divisible by \(size) required, got \(x.shape)")
        let k = x.shape[2] / size
        return pool2d(x, kind: .average, kernel: k, stride: k)
    }
}
