import CDNNL

/// Geometry of a 2-D convolution, shared by its forward and two backward primitives.
struct ConvGeometry: Hashable {
    let n, c, h, w, o, kh, kw, stride, padding, groups: Int
    let hasBias: Bool
    /// A ReLU fused onto the output (inference only: backward would need its mask).
    var postReLU = false
    /// Type of the input and weights (bf16 only in inference) and of the output.
    var precision = NumericPrecision.f32
    var outputPrecision = NumericPrecision.f32
    var oh: Int { (h + 2 * padding - kh) / stride + 1 }
    var ow: Int { (w + 2 * padding - kw) / stride + 1 }
    var key: String {
        "\(n),\(c),\(h),\(w),\(o),\(kh),\(kw),s\(stride),p\(padding),g\(groups),b\(hasBias)\(postReLU ? ",relu" : "")"
            + (precision == .f32 && outputPrecision == .f32 ? "" : ",\(precision)->\(outputPrecision)")
    }

    var src: dnnl_memory_desc_t { DNNL.desc([n, c, h, w], dnnl_nchw) }
    var dst: dnnl_memory_desc_t { DNNL.desc([n, o, oh, ow], dnnl_nchw) }
    var bias: dnnl_memory_desc_t { DNNL.desc([o], dnnl_a) }
    /// PyTorch's [O, C/g, kh, kw] weight is oneDNN's goihw [g, O/g, C/g, kh, kw], same bytes.
    var weights: dnnl_memory_desc_t {
        groups == 1 ? DNNL.desc([o, c, kh, kw], dnnl_oihw) : DNNL.desc([groups, o / groups, c / groups, kh, kw], dnnl_goihw)
    }
    var shapeOfSrc: [Int] { [n, c, h, w] }
    var weightShape: [Int] { [o, c / groups, kh, kw] }
    var strides: [Int64] { [Int64(stride), Int64(stride)] }
    var pads: [Int64] { [Int64(padding), Int64(padding)] }

    // The primitives take `format_tag_any` for data and weights so oneDNN picks its blocked
    // layouts (nChw8c on AVX2) and its direct JIT kernels; with plain NCHW it falls back to
    // im2col + GEMM, several times slower. Tensors stay plain, so data is reordered at each
    // convolution's boundary; the reorders are memory-bound and cheap next to the kernel.
    private func anyDesc(_ dims: [Int], _ p: NumericPrecision) -> dnnl_memory_desc_t {
        DNNL.desc(dims, dnnl_format_tag_any, type: p.dnnlType)
    }
    private var srcAny: dnnl_memory_desc_t { anyDesc([n, c, h, w], precision) }
    private var dstAny: dnnl_memory_desc_t { anyDesc([n, o, oh, ow], outputPrecision) }
    private var weightsAny: dnnl_memory_desc_t {
        groups == 1 ? anyDesc([o, c, kh, kw], precision) : anyDesc([groups, o / groups, c / groups, kh, kw], precision)
    }

    func forward() -> DNNLPrimitive {
        DNNL.shared.primitive("conv_fwd " + key) {
            var d = dnnl_convolution_desc_t()
            var s = srcAny, wt = weightsAny, b = bias, ds = dstAny
            DNNL.check(withUnsafePointer(to: &b) { bp in
                dnnl_convolution_forward_desc_init(&d, dnnl_forward_training, dnnl_convolution_direct, &s, &wt,
                                                   hasBias ? bp : nil, &ds, strides, pads, pads)
            }, "conv fwd desc")
            return DNNLPrimitive("conv_fwd", d, postReLU: postReLU)
        }
    }

    func backwardData() -> DNNLPrimitive {
        DNNL.shared.primitive("conv_bwd_data " + key) {
            var d = dnnl_convolution_desc_t()
            var s = srcAny, wt = weightsAny, ds = dstAny
            DNNL.check(dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, &s, &wt, &ds, strides, pads, pads),
                       "conv bwd data desc")
            return DNNLPrimitive("conv_bwd_data", d, hint: forward())
        }
    }

    func backwardWeights() -> DNNLPrimitive {
        DNNL.shared.primitive("conv_bwd_w " + key) {
            var d = dnnl_convolution_desc_t()
            var s = srcAny, wt = weightsAny, b = bias, ds = dstAny
            DNNL.check(withUnsafePointer(to: &b) { bp in
                dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &s, &wt, hasBias ? bp : nil,
                                                            &ds, strides, pads, pads)
            }, "conv bwd weights desc")
            return DNNLPrimitive("conv_bwd_w", d, hint: forward())
        }
    }
}

extension Tensor {
    /// 2-D convolution (PyTorch `conv2d` semantics: cross-correlation, NCHW input,
    /// [O, C/groups, kh, kw] weight, symmetric zero padding) on oneDNN, forward and backward.
    /// `relu` applies a ReLU to the output inside the convolution when nothing is recorded
    /// for backward (inference), else as a separate op.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                              groups: Int = 1, relu: Bool = false) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4, "conv2d: need NCHW input and OIHW weight, got \(x.shape) and \(weight.shape)")
        precondition(x.shape[1] == weight.shape[1] * groups && weight.shape[0] % groups == 0,
                     "conv2d: input channels \(x.shape[1]) do not match weight \(weight.shape) with groups \(groups)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "conv2d: bias shape \(bias.shape) != [\(weight.shape[0])]") }
        let inputs = [x, weight] + (bias.map { [$0] } ?? [])
        if relu && recording(inputs) {
            return conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, groups: groups).relu()
        }
        var geo = ConvGeometry(n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], o: weight.shape[0],
                               kh: weight.shape[2], kw: weight.shape[3], stride: stride, padding: padding, groups: groups,
                               hasBias: bias != nil)
        geo.postReLU = relu
        precondition(geo.oh > 0 && geo.ow > 0, "conv2d: kernel \(weight.shape[2])x\(weight.shape[3]) larger than padded input \(x.shape)")
        let fwd = geo.forward()
        let xb = DNNLData(geo.src, x.contiguousData()).converted(to: fwd.md(dnnl_query_src_md))
        let wb = DNNLData(geo.weights, weight.contiguousData()).converted(to: fwd.md(dnnl_query_weights_md))
        let ob = DNNLData(empty: fwd.md(dnnl_query_dst_md))
        var args = [(DNNLArg.src, xb.arg), (DNNLArg.weights, wb.arg), (DNNLArg.dst, ob.arg)].map { ($0.0, $0.1.0, $0.1.1) }
        let bc = bias?.contiguousData()
        if let bc { args.append((DNNLArg.bias, geo.bias, UnsafeMutableRawPointer(bc.dataPointer))) }
        DNNL.shared.execute(fwd, args)
        withExtendedLifetime((xb.owner, wb.owner, ob.owner, bc)) {}
        let out = Tensor.uninitialized([geo.n, geo.o, geo.oh, geo.ow])
        ob.write(into: out, plain: geo.dst)

        let needX = x.requiresGrad, needW = weight.requiresGrad || (bias?.requiresGrad ?? false)
        // Backward reuses the forward's reordered input and weights (kept only if needed).
        let savedX = needW && recording(inputs) ? xb : nil
        let savedW = needX ? wb : nil
        return record("conv2d", out, inputs: inputs) { g in
            let gc = DNNLData(geo.dst, g.contiguousData())
            var gx: Tensor?, gw: Tensor?, gb: Tensor?
            var gBlocked: DNNLData?
            if needX, let savedW {
                let bwd = geo.backwardData()
                let gd = gc.converted(to: bwd.md(dnnl_query_diff_dst_md))
                gBlocked = gd
                let wd = savedW.converted(to: bwd.md(dnnl_query_weights_md))
                let dxb = DNNLData(empty: bwd.md(dnnl_query_diff_src_md))
                DNNL.shared.execute(bwd, [(DNNLArg.diffDst, gd.md, gd.pointer), (DNNLArg.weights, wd.md, wd.pointer),
                                          (DNNLArg.diffSrc, dxb.md, dxb.pointer)])
                withExtendedLifetime((gd.owner, wd.owner)) {}
                let t = Tensor.uninitialized(geo.shapeOfSrc)
                dxb.write(into: t, plain: geo.src)
                gx = t
            }
            if needW, let savedX {
                let bww = geo.backwardWeights()
                let sd = savedX.converted(to: bww.md(dnnl_query_src_md))
                let gd = (gBlocked ?? gc).converted(to: bww.md(dnnl_query_diff_dst_md))
                let dwb = DNNLData(empty: bww.md(dnnl_query_diff_weights_md))
                var a: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
                    (DNNLArg.src, sd.md, sd.pointer), (DNNLArg.diffDst, gd.md, gd.pointer),
                    (DNNLArg.diffWeights, dwb.md, dwb.pointer),
                ]
                if geo.hasBias {
                    let tb = Tensor.uninitialized([geo.o])
                    a.append((DNNLArg.diffBias, geo.bias, UnsafeMutableRawPointer(tb.dataPointer)))
                    gb = tb
                }
                DNNL.shared.execute(bww, a)
                withExtendedLifetime((sd.owner, gd.owner)) {}
                let tw = Tensor.uninitialized(geo.weightShape)
                dwb.write(into: tw, plain: geo.weights)
                gw = tw
            }
            withExtendedLifetime(gc) {}
            return [gx, gw] + (geo.hasBias ? [gb] : [])
        }
    }
}
