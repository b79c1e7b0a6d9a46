#if canImport(Glibc)
import Glibc
#endif

/// Process-wide runtime settings the kernels need on a small shared machine, applied as
/// environment defaults before libgomp and glibc read them; a variable the user's
/// environment already sets is left alone.
///
/// - `OMP_WAIT_POLICY=PASSIVE`: libgomp's default keeps idle workers spinning after each
///   parallel region; on two cores shared with other processes they steal the cores the
///   next region needs. At load ~5, `bench train` vit-tiny went from 6.9 train / 32 infer
///   img/s spinning to 18.4 / 92 passive, resnet18 from 11.4 / 35 to 12.6 / 56.
/// - `MALLOC_MMAP_THRESHOLD_` / `MALLOC_TRIM_THRESHOLD_`: training frees and reallocates
///   the same few-megabyte activations every step; glibc's default serves them with fresh
///   mmaps, so every step page-faulted and zeroed them again (~18% of a ViT-tiny step was
///   kernel `clear_page`). Raised thresholds keep freed blocks in the heap for reuse.
///
/// Both libraries read these once, before `main` runs, so the program sets them and
/// re-executes itself once. Child processes inherit them.
enum RuntimeEnvironment {
    static let defaults = [
        ("OMP_WAIT_POLICY", "PASSIVE"),
        ("MALLOC_MMAP_THRESHOLD_", "\(256 << 20)"),
        ("MALLOC_TRIM_THRESHOLD_", "\(1 << 30)"),
    ]

    static func applyBeforeStart() {
        // GOMP_SPINCOUNT is libgomp's other spelling of the wait policy.
        let missing = defaults.filter { name, _ in
            getenv(name) == nil && !(name == "OMP_WAIT_POLICY" && getenv("GOMP_SPINCOUNT") != nil)
        }
        guard !missing.isEmpty else { return }
        for (name, value) in missing { setenv(name, value, 1) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed (no /proc): run on with the libraries' defaults rather than fail.
    }
}
