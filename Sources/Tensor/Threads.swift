import CDNNL
import COpenBLAS

/// How many threads the BLAS and oneDNN kernels use. Both libraries keep their own
/// pool (OpenBLAS's and OpenMP's); setting the count here sets both, so a benchmark or a
/// data-parallel worker pins the whole process with one call.
public enum Threads {
    public static func setCount(_ n: Int) {
        precondition(n >= 1, "Threads.setCount: need at least one thread, got \(n)")
        openblas_set_num_threads(Int32(n))
        omp_set_num_threads(Int32(n))
    }

    /// The thread count oneDNN will use.
    public static var count: Int { Int(omp_get_max_threads()) }
}
