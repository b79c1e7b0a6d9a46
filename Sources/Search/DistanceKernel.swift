import CVectorKernels

/// The distance the graph walk orders nodes by, "lower is closer" for every metric: the
/// negated inner product for cosine (rows are normalized) and inner product, the squared
/// Euclidean distance for l2.
///
/// Uses the AVX2/FMA kernels of `CVectorKernels` when the CPU has them (Swift's SIMD types
/// compile for baseline x86-64, i.e. SSE2) and the portable `VectorMath` loop otherwise.
struct DistanceKernel {
    let dimension: Int
    let l2: Bool
    let avx2: Bool

    /// Read once per process: the CPU does not change under a running program.
    static let cpuHasAVX2FMA = pvk_has_avx2_fma() != 0

    init(dimension: Int, metric: Metric, avx2: Bool = DistanceKernel.cpuHasAVX2FMA) {
        self.dimension = dimension
        self.l2 = metric == .l2
        self.avx2 = avx2
    }

    @inline(__always)
    func callAsFunction(_ q: UnsafePointer<Float>, _ v: UnsafePointer<Float>) -> Float {
        if l2 {
            return avx2 ? pvk_l2sq_avx2(q, v, dimension) : VectorMath.squaredDistance(q, v, dimension)
        }
        return -(avx2 ? pvk_dot_avx2(q, v, dimension) : VectorMath.dot(q, v, dimension))
    }

    /// Distances from `q` to four rows at once; with AVX2 the query is loaded once for all four.
    @inline(__always)
    func four(_ q: UnsafePointer<Float>, _ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>,
              _ v2: UnsafePointer<Float>, _ v3: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        if avx2 && !l2 {
            pvk_dot4_avx2(q, v0, v1, v2, v3, dimension, out)
            out[0] = -out[0]; out[1] = -out[1]; out[2] = -out[2]; out[3] = -out[3]
        } else {
            out[0] = self(q, v0); out[1] = self(q, v1); out[2] = self(q, v2); out[3] = self(q, v3)
        }
    }
}
