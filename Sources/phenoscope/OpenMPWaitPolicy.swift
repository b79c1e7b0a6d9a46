#if canImport(Glibc)
import Glibc
#endif

/// Makes the OpenMP team (oneDNN's kernels, `parallelFor`) sleep rather than spin
/// between parallel regions, unless the user's environment already says how it should wait.
///
/// libgomp's default keeps idle workers spinning for a while after each region. On a
/// small machine shared with other processes (two cores, several builds) those spinning
/// workers steal the cores the next region and the other processes need: `bench train`
/// measured vit-tiny at 6.9 train / 32 infer img/s spinning against 18.4 / 92 passive,
/// and resnet18 11.4 / 35 against 12.6 / 56, at load ~5. libgomp reads its settings once,
/// in a library constructor that runs before `main`, so setting the variable here is
/// too late for this process; the program sets it and re-executes itself once. Set
/// `OMP_WAIT_POLICY=ACTIVE` (or `GOMP_SPINCOUNT`) to keep libgomp's spinning.
enum OpenMPWaitPolicy {
    static func applyBeforeStart() {
        guard getenv("OMP_WAIT_POLICY") == nil, getenv("GOMP_SPINCOUNT") == nil else { return }
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed (no /proc): run on with libgomp's default rather than fail.
    }
}
