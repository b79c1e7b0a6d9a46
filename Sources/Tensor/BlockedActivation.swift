import CDNNL

/// An NCHW activation kept in the layout oneDNN's kernels chose for it (channel-blocked,
/// nChw16c with AVX-512, nChw8c with AVX2) between inference ops.
///
/// `Tensor.conv2d` works on plain tensors, so every convolution reorders its input into the
/// blocked layout and its output back: memory-bound copies that cost a quarter of a U-Net's
/// time on a full microscope site. A network that only runs forward (no autograd) can chain
/// convolutions, pooling, nearest upsampling and channel concatenation on blocked data and
/// reorder once at each end. Every op here computes what its `Tensor` counterpart computes
/// (tests compare them); none records gradients.
public struct BlockedActivation {
    let data: DNNLData
    /// Logical NCHW shape.
    public let shape: [Int]
    /// The number format of the data and of the ops that read it (`NumericPrecision`); the
    /// caller checks `unavailableReason` before asking for bf16.
    public let precision: NumericPrecision

    init(_ data: DNNLData, shape: [Int], precision: NumericPrecision) {
        self.data = data
        self.shape = shape
        self.precision = precision
    }

    /// `x` (rank 4, NCHW) in the channel-blocked layout, converted to `precision`.
    public init(_ x: Tensor, precision: NumericPrecision = .f32) {
        precondition(x.rank == 4, "BlockedActivation: need NCHW input, got \(x.shape)")
        let plain = DNNLData(DNNL.desc(x.shape, dnnl_nchw), x.contiguousData())
        self.init(plain.converted(to: Self.blocked(x.shape, precision)), shape: x.shape, precision: precision)
    }

    private static func blocked(_ shape: [Int], _ precision: NumericPrecision) -> dnnl_memory_desc_t {
        DNNL.desc(shape, DNNL.channelBlockedTag, type: precision.dnnlType)
    }

    /// The activation as a plain NCHW tensor.
    public func tensor() -> Tensor {
        let out = Tensor.uninitialized(shape)
        data.write(into: out, plain: DNNL.desc(shape, dnnl_nchw))
        return out
    }

    /// `Tensor.conv2d(x, weight:, bias:, stride: 1, padding:, relu:)` on blocked data; the
    /// output stays in the layout the convolution writes, in this activation's precision or
    /// in f32 with `f32Output` (a network's last layer).
    public func conv2d(weight: Tensor, bias: Tensor?, padding: Int, relu: Bool, f32Output: Bool = false) -> BlockedActivation {
        precondition(weight.rank == 4 && weight.shape[1] == shape[1],
                     "BlockedActivation.conv2d: weight \(weight.shape) does not fit input \(shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "BlockedActivation.conv2d: bias \(bias.shape)") }
        var geo = ConvGeometry(n: shape[0], c: shape[1], h: shape[2], w: shape[3], o: weight.shape[0],
                               kh: weight.shape[2], kw: weight.shape[3], stride: 1, padding: padding, groups: 1,
                               hasBias: bias != nil)
        geo.postReLU = relu
        geo.precision = precision
        geo.outputPrecision = f32Output ? .f32 : precision
        precondition(geo.oh > 0 && geo.ow > 0, "BlockedActivation.conv2d: kernel larger than padded input \(shape)")
        let fwd = geo.forward()
        let xb = data.converted(to: fwd.md(dnnl_query_src_md))
        let wb = DNNLData(geo.weights, weight.contiguousData()).converted(to: fwd.md(dnnl_query_weights_md))
        let ob = DNNLData(empty: fwd.md(dnnl_query_dst_md))
        var args = [(DNNLArg.src, xb.md, xb.pointer), (DNNLArg.weights, wb.md, wb.pointer), (DNNLArg.dst, ob.md, ob.pointer)]
        let bc = bias?.contiguousData()
        if let bc { args.append((DNNLArg.bias, geo.bias, UnsafeMutableRawPointer(bc.dataPointer))) }
        DNNL.shared.execute(fwd, args)
        withExtendedLifetime((xb.owner, wb.owner, bc)) {}
        return BlockedActivation(ob, shape: [geo.n, geo.o, geo.oh, geo.ow], precision: geo.outputPrecision)
    }

    /// `Tensor.pool2d(x, kind:, kernel:)` with stride = kernel and no padding.
    public func pool2d(kind: PoolKind, kernel: Int) -> BlockedActivation {
        let geo = PoolGeometry(n: shape[0], c: shape[1], h: shape[2], w: shape[3], kernel: kernel, stride: kernel,
                               padding: 0, kind: kind)
        precondition(geo.oh > 0 && geo.ow > 0, "BlockedActivation.pool2d: kernel \(kernel) larger than input \(shape)")
        let src = Self.blocked(shape, precision), dst = Self.blocked([geo.n, geo.c, geo.oh, geo.ow], precision)
        let prim = DNNL.shared.primitive("pool_inf \(precision) " + geo.key) {
            var d = dnnl_pooling_desc_t()
            var s = src, ds = dst
            DNNL.check(dnnl_pooling_forward_desc_init(&d, dnnl_forward_inference, geo.alg, &s, &ds, geo.s2, geo.k2,
                                                      geo.p2, geo.p2), "pool inference desc")
            return DNNLPrimitive("pool_inf", d)
        }
        let xb = data.converted(to: src)
        let ob = DNNLData(empty: dst)
        DNNL.shared.execute(prim, [(DNNLArg.src, xb.md, xb.pointer), (DNNLArg.dst, ob.md, ob.pointer)])
        withExtendedLifetime(xb.owner) {}
        return BlockedActivation(ob, shape: [geo.n, geo.c, geo.oh, geo.ow], precision: precision)
    }

    /// `Tensor.upsampleNearest2d(x, scale:)`: oneDNN's nearest resampling maps output pixel o
    /// to input pixel round((o + 0.5) / s - 0.5), which for an integer s is floor(o / s), the
    /// s x s block PyTorch's nearest mode makes.
    public func upsampleNearest2d(scale: Int) -> BlockedActivation {
        precondition(scale >= 1, "BlockedActivation.upsampleNearest2d: scale \(scale) must be at least 1")
        let outShape = [shape[0], shape[1], shape[2] * scale, shape[3] * scale]
        let src = Self.blocked(shape, precision), dst = Self.blocked(outShape, precision)
        let prim = DNNL.shared.primitive("resample_nearest \(precision) \(shape) x\(scale)") {
            var d = dnnl_resampling_desc_t()
            var s = src, ds = dst
            let factors = [Float(scale), Float(scale)]
            DNNL.check(dnnl_resampling_forward_desc_init(&d, dnnl_forward_inference, dnnl_resampling_nearest, factors,
                                                         &s, &ds), "resampling desc")
            return DNNLPrimitive("resample_nearest", d)
        }
        let xb = data.converted(to: src)
        let ob = DNNLData(empty: dst)
        DNNL.shared.execute(prim, [(DNNLArg.src, xb.md, xb.pointer), (DNNLArg.dst, ob.md, ob.pointer)])
        withExtendedLifetime(xb.owner) {}
        return BlockedActivation(ob, shape: outShape, precision: precision)
    }

    /// `Tensor.concat(parts, axis: 1)`: channels of `parts` (same N, H, W) in order.
    public static func concatChannels(_ parts: [BlockedActivation]) -> BlockedActivation {
        precondition(!parts.isEmpty, "BlockedActivation.concatChannels: nothing to join")
        let first = parts[0].shape
        precondition(parts.allSatisfy { $0.shape[0] == first[0] && $0.shape[2] == first[2] && $0.shape[3] == first[3] },
                     "BlockedActivation.concatChannels: shapes differ beyond channels: \(parts.map(\.shape))")
        let precision = parts[0].precision
        precondition(parts.allSatisfy { $0.precision == precision }, "BlockedActivation.concatChannels: mixed precisions")
        let outShape = [first[0], parts.reduce(0) { $0 + $1.shape[1] }, first[2], first[3]]
        let srcs = parts.map { blocked($0.shape, precision) }
        let dst = blocked(outShape, precision)
        let inputs = zip(parts, srcs).map { $0.data.converted(to: $1) }
        if parts.allSatisfy({ $0.shape[1] % DNNL.channelBlock == 0 }) {
            return BlockedActivation(concatWholeBlocks(inputs, channels: parts.map { $0.shape[1] }, shape: outShape, dst: dst,
                                                       elementBytes: precision.bytes),
                                     shape: outShape, precision: precision)
        }
        let prim = DNNL.shared.primitive("concat1 \(precision) \(parts.map(\.shape))") {
            var pd: OpaquePointer?
            var d = dst
            DNNL.check(srcs.withUnsafeBufferPointer { s in
                dnnl_concat_primitive_desc_create(&pd, &d, Int32(srcs.count), 1, s.baseAddress, nil, DNNL.shared.engine)
            }, "concat desc")
            return DNNLPrimitive("concat", pd: pd!)
        }
        let ob = DNNLData(empty: dst)
        // oneDNN numbers a concat's sources DNNL_ARG_MULTIPLE_SRC + i.
        var args = inputs.enumerated().map { (DNNLArg.multipleSrc + Int32($0.offset), $0.element.md, $0.element.pointer) }
        args.append((DNNLArg.dst, ob.md, ob.pointer))
        DNNL.shared.execute(prim, args)
        withExtendedLifetime(inputs.map(\.owner)) {}
        return BlockedActivation(ob, shape: outShape, precision: precision)
    }

    /// Channel concatenation when every part holds whole channel blocks: in [N][C/B][H][W][B]
    /// each image of each part is one contiguous run, so the output is those runs copied in
    /// order (oneDNN's generic concat walks element by element, ten times slower here).
    private static func concatWholeBlocks(_ inputs: [DNNLData], channels: [Int], shape: [Int],
                                          dst: dnnl_memory_desc_t, elementBytes: Int) -> DNNLData {
        let plane = shape[2] * shape[3]
        let out = DNNLData(empty: dst)
        // Runs of bytes: f32 and bf16 data are copied alike.
        var runs: [(source: UnsafePointer<UInt8>, target: UnsafeMutablePointer<UInt8>, count: Int)] = []
        var target = out.pointer.assumingMemoryBound(to: UInt8.self)
        for n in 0..<shape[0] {
            for (input, c) in zip(inputs, channels) {
                let count = c * plane * elementBytes
                runs.append((UnsafePointer(input.pointer.assumingMemoryBound(to: UInt8.self) + n * count), target, count))
                target += count
            }
        }
        var starts = [0]
        for run in runs { starts.append(starts[starts.count - 1] + run.count) }
        parallelFor(starts[starts.count - 1], minimumPerThread: 1 << 20) { range in
            for (i, run) in runs.enumerated() {
                let lo = Swift.max(range.lowerBound, starts[i]), hi = Swift.min(range.upperBound, starts[i + 1])
                if lo < hi { (run.target + (lo - starts[i])).update(from: run.source + (lo - starts[i]), count: hi - lo) }
            }
        }
        withExtendedLifetime(inputs.map(\.owner)) {}
        return out
    }
}
