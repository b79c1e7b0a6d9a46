import CDNNL

/// Geometry of a 2-D convolution, shared by its forward and two backward primitives.
struct ConvGeometry: Hashable {
    let n, c, h, w, o, kh, kw, stride, padding, groups: Int
    let hasBias: Bool
    var oh: Int { (h + 2 * padding - kh) / stride + 1 }
    var ow: Int { (w + 2 * padding - kw) / stride + 1 }
    var key: String { "\(n),\(c),\(h),\(w),\(o),\(kh),\(kw),s\(stride),p\(padding),g\(groups),b\(hasBias)" }

    var src: dnnl_memory_desc_t { DNNL.desc([n, c, h, w], dnnl_nchw) }
    var dst: dnnl_memory_desc_t { DNNL.desc([n, o, oh, ow], dnnl_nchw) }
    var bias: dnnl_memory_desc_t { DNNL.desc([o], dnnl_a) }
    /// PyTorch's [O, C/g, kh, kw] weight is oneDNN's goihw [g, O/g, C/g, kh, kw], same bytes.
    var weights: dnnl_memory_desc_t {
        groups == 1 ? DNNL.desc([o, c, kh, kw], dnnl_oihw) : DNNL.desc([groups, o / groups, c / groups, kh, kw], dnnl_goihw)
    }
    var strides: [Int64] { [Int64(stride), Int64(stride)] }
    var pads: [Int64] { [Int64(padding), Int64(padding)] }

    func forward() -> DNNLPrimitive {
        DNNL.shared.primitive("conv_fwd " + key) {
            var d = dnnl_convolution_desc_t()
            var s = src, wt = weights, b = bias, ds = dst
            if hasBias {
                DNNL.check(dnnl_convolution_forward_desc_init(&d, dnnl_forward_training, dnnl_convolution_direct, &s, &wt,
                                                              &b, &ds, strides, pads, pads), "conv fwd desc")
            } else {
                DNNL.check(dnnl_convolution_forward_desc_init(&d, dnnl_forward_training, dnnl_convolution_direct, &s, &wt,
                                                              nil, &ds, strides, pads, pads), "conv fwd desc")
            }
            return DNNLPrimitive("conv_fwd", d)
        }
    }

    func backwardData() -> DNNLPrimitive {
        DNNL.shared.primitive("conv_bwd_data " + key) {
            var d = dnnl_convolution_desc_t()
            var s = src, wt = weights, ds = dst
            DNNL.check(dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, &s, &wt, &ds, strides, pads, pads),
                       "conv bwd data desc")
            return DNNLPrimitive("conv_bwd_data", d, hint: forward())
        }
    }

    func backwardWeights() -> DNNLPrimitive {
        DNNL.shared.primitive("conv_bwd_w " + key) {
            var d = dnnl_convolution_desc_t()
            var s = src, wt = weights, b = bias, ds = dst
            if hasBias {
                DNNL.check(dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &s, &wt, &b,
                                                                       &ds, strides, pads, pads), "conv bwd weights desc")
            } else {
                DNNL.check(dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &s, &wt, nil,
                                                                       &ds, strides, pads, pads), "conv bwd weights desc")
            }
            return DNNLPrimitive("conv_bwd_w", d, hint: forward())
        }
    }
}

extension Tensor {
    /// 2-D convolution (PyTorch `conv2d` semantics: cross-correlation, NCHW input,
    /// [O, C/groups, kh, kw] weight, symmetric zero padding) on oneDNN, forward and backward.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                              groups: Int = 1) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4, "conv2d: need NCHW input and OIHW weight, got \(x.shape) and \(weight.shape)")
        precondition(x.shape[1] == weight.shape[1] * groups && weight.shape[0] % groups == 0,
                     "conv2d: input channels \(x.shape[1]) do not match weight \(weight.shape) with groups \(groups)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "conv2d: bias shape \(bias.shape) != [\(weight.shape[0])]") }
        let geo = ConvGeometry(n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], o: weight.shape[0],
                               kh: weight.shape[2], kw: weight.shape[3], stride: stride, padding: padding, groups: groups,
                               hasBias: bias != nil)
        precondition(geo.oh > 0 && geo.ow > 0, "conv2d: kernel \(weight.shape[2])x\(weight.shape[3]) larger than padded input \(x.shape)")
        let xc = x.contiguousData(), wc = weight.contiguousData(), bc = bias?.contiguousData()
        let out = Tensor.zeros([geo.n, geo.o, geo.oh, geo.ow])
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNLArg.src, geo.src, UnsafeMutableRawPointer(xc.dataPointer)),
            (DNNLArg.weights, geo.weights, UnsafeMutableRawPointer(wc.dataPointer)),
            (DNNLArg.dst, geo.dst, UnsafeMutableRawPointer(out.dataPointer)),
        ]
        if let bc { args.append((DNNLArg.bias, geo.bias, UnsafeMutableRawPointer(bc.dataPointer))) }
        DNNL.shared.execute(geo.forward(), args)
        withExtendedLifetime((xc, wc, bc)) {}

        let xd = xc.detached(), wd = wc.detached()
        let needX = x.requiresGrad, needW = weight.requiresGrad || (bias?.requiresGrad ?? false)
        return record("conv2d", out, inputs: [x, weight] + (bias.map { [$0] } ?? [])) { g in
            let gc = g.contiguousData()
            var gx: Tensor?, gw: Tensor?, gb: Tensor?
            if needX {
                let t = Tensor.zeros(xd.shape)
                DNNL.shared.execute(geo.backwardData(), [
                    (DNNLArg.diffDst, geo.dst, UnsafeMutableRawPointer(gc.dataPointer)),
                    (DNNLArg.weights, geo.weights, UnsafeMutableRawPointer(wd.dataPointer)),
                    (DNNLArg.diffSrc, geo.src, UnsafeMutableRawPointer(t.dataPointer)),
                ])
                gx = t
            }
            if needW {
                let tw = Tensor.zeros(wd.shape)
                var a: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
                    (DNNLArg.src, geo.src, UnsafeMutableRawPointer(xd.dataPointer)),
                    (DNNLArg.diffDst, geo.dst, UnsafeMutableRawPointer(gc.dataPointer)),
                    (DNNLArg.diffWeights, geo.weights, UnsafeMutableRawPointer(tw.dataPointer)),
                ]
                if geo.hasBias {
                    let tb = Tensor.zeros([geo.o])
                    a.append((DNNLArg.diffBias, geo.bias, UnsafeMutableRawPointer(tb.dataPointer)))
                    gb = tb
                }
                DNNL.shared.execute(geo.backwardWeights(), a)
                gw = tw
            }
            withExtendedLifetime(gc) {}
            return [gx, gw] + (geo.hasBias ? [gb] : [])
        }
    }
}
