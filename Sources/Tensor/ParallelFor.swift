import CDNNL

/// Splits `0..<count` into one contiguous chunk per OpenMP thread and runs `body(range)` on
/// each, on the OpenMP team oneDNN's kernels use (`Threads.setCount`). Small loops run
/// inline: a parallel region costs microseconds, worth it only for memory-bound passes over
/// large tensors. `body` must only write disjoint parts of its outputs for disjoint ranges.
func parallelFor(_ count: Int, minimumPerThread: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    let threads = Swift.min(Threads.count, count / Swift.max(minimumPerThread, 1))
    if threads <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    withoutActuallyEscaping(body) { body in
        var context = ParallelContext(count: count, body: body)
        withUnsafeMutablePointer(to: &context) { ctx in
            GOMP_parallel({ raw in
                let c = raw!.assumingMemoryBound(to: ParallelContext.self)
                let t = Int(omp_get_thread_num()), n = Int(omp_get_num_threads())
                let lo = c.pointee.count * t / n, hi = c.pointee.count * (t + 1) / n
                if lo < hi { c.pointee.body(lo..<hi) }
            }, UnsafeMutableRawPointer(ctx), UInt32(threads), 0)
        }
    }
}

private struct ParallelContext {
    let count: Int
    let body: (Range<Int>) -> Void
}
