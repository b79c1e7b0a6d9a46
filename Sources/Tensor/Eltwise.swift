import CDNNL

/// Activation functions on oneDNN's eltwise primitive: JIT-vectorized and split over the
/// OpenMP team, where a scalar Swift loop calling `erff` per element was a tenth of a ViT
/// step. Data is viewed as one flat run of floats, so any contiguous tensor qualifies.
struct EltwiseOp {
    let alg: dnnl_alg_kind_t
    let name: String
    let count: Int
    var data: dnnl_memory_desc_t { DNNL.desc([count], dnnl_a) }

    func forward() -> DNNLPrimitive {
        DNNL.shared.primitive("eltwise_fwd \(name) \(count)") {
            var d = dnnl_eltwise_desc_t(), md = data
            DNNL.check(dnnl_eltwise_forward_desc_init(&d, dnnl_forward_training, alg, &md, 0, 0), "eltwise fwd desc")
            return DNNLPrimitive("eltwise_fwd", d)
        }
    }

    func backward() -> DNNLPrimitive {
        DNNL.shared.primitive("eltwise_bwd \(name) \(count)") {
            var d = dnnl_eltwise_desc_t(), md = data, dd = data
            DNNL.check(dnnl_eltwise_backward_desc_init(&d, alg, &dd, &md, 0, 0), "eltwise bwd desc")
            return DNNLPrimitive("eltwise_bwd", d, hint: forward())
        }
    }

    /// f(x) elementwise, recorded with the derivative from oneDNN's backward primitive.
    func apply(_ x: Tensor) -> Tensor {
        let xc = x.contiguousData()
        if count == 0 { return Tensor.zeros(x.shape) }
        let out = Tensor.uninitialized(x.shape)
        DNNL.shared.execute(forward(), [(DNNLArg.src, data, UnsafeMutableRawPointer(xc.dataPointer)),
                                        (DNNLArg.dst, data, UnsafeMutableRawPointer(out.dataPointer))])
        withExtendedLifetime(xc) {}
        let xd = xc.detached()
        return Tensor.record(name, out, inputs: [x]) { g in
            let gc = g.contiguousData()
            let gx = Tensor.uninitialized(xd.shape)
            DNNL.shared.execute(backward(), [(DNNLArg.src, data, UnsafeMutableRawPointer(xd.dataPointer)),
                                             (DNNLArg.diffDst, data, UnsafeMutableRawPointer(gc.dataPointer)),
                                             (DNNLArg.diffSrc, data, UnsafeMutableRawPointer(gx.dataPointer))])
            withExtendedLifetime(gc) {}
            return [gx]
        }
    }
}
