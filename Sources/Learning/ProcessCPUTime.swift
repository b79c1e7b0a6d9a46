import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time this process has spent so far, user and system, summed over all its threads.
///
/// On a shared machine wall time mostly measures the neighbours; CPU time is the cost of the
/// work itself, so training budgets (`budget.cpu_seconds`) and benchmarks count it. It lives
/// here, beside its main user the Trainer, rather than in Core.
public enum ProcessCPUTime {
    /// Seconds of CPU time since the process started (`CLOCK_PROCESS_CPUTIME_ID`).
    public static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
