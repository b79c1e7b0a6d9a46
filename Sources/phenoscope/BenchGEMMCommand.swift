import ArgumentParser
import COpenBLAS
import Foundation
import Tensor

/// `phenoscope bench gemm`: single-precision matrix-product throughput of `Tensor.matmul`
/// (oneDNN's sgemm) at representative shapes, against OpenBLAS's `cblas_sgemm` on the same
/// operands in the same run and against this CPU's FP32 peak (cores x nominal clock x
/// FLOPs per cycle of its widest FMA). Also says whether bf16 compute is available.
struct BenchGEMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "sgemm GFLOP/s of Tensor.matmul vs OpenBLAS and vs the CPU's FP32 peak."
    )

    @Option(help: "Kernel threads (OpenMP team and OpenBLAS).") var threads: Int = 2
    @Option(help: "Timed products per shape and library (the best is reported).") var repeats: Int = 5
    @Option(help: "Shapes as MxNxK, comma-separated.")
    var shapes: String = "1024x1024x1024,12288x576x192,2368x768x192,2368x192x768"
    @Flag(help: "Print one JSON object on stdout.") var json = false

    func validate() throws {
        guard threads > 0, repeats > 0 else { throw ValidationError("--threads and --repeats must be positive") }
        _ = try parsedShapes()
    }

    private func parsedShapes() throws -> [(m: Int, n: Int, k: Int)] {
        try shapes.split(separator: ",").map { item in
            let d = item.split(separator: "x").compactMap { Int($0) }
            guard d.count == 3, d.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--shapes: '\(item)' is not MxNxK with positive sizes")
            }
            return (d[0], d[1], d[2])
        }
    }

    /// Best seconds of `repeats` calls after one untimed call.
    private func best(_ body: () -> Void) -> Double {
        body()
        return fastestRun(repeats: repeats) { _ in body() }.seconds
    }

    func run() throws {
        Threads.setCount(threads)
        let cpu = CPUFeatures.current()
        let cores = min(threads, max(cpu.processors, 1))
        let peak = cpu.peakFP32GFLOPS(cores: cores)
        var rng = RandomGenerator(seed: 0)
        var rows: [String] = []
        for (m, n, k) in try parsedShapes() {
            let a = Tensor.normal([m, k], rng: &rng), b = Tensor.normal([k, n], rng: &rng)
            let c = Tensor.zeros([m, n])
            let flops = 2 * Double(m) * Double(n) * Double(k)
            let ours = flops / best { withNoGrad { _ = a.matmul(b) } } / 1e9
            let blas = flops / best {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                            a.dataPointer, Int32(k), b.dataPointer, Int32(n), 0, c.dataPointer, Int32(n))
            } / 1e9
            let fraction = peak.map { ours / $0 }
            rows.append("{\"m\": \(m), \"n\": \(n), \"k\": \(k), \"gflops\": \(ours), \"openblas_gflops\": \(blas), "
                + "\"ratio_to_openblas\": \(ours / blas), \"peak_fraction\": \(fraction.map { "\($0)" } ?? "null")}")
            if !json {
                let f = fraction.map { String(format: ", %.0f%% of peak", 100 * $0) } ?? ""
                print(String(format: "%dx%dx%d: matmul %.1f GFLOP/s, OpenBLAS %.1f (%.2fx)", m, n, k, ours, blas, ours / blas) + f)
            }
        }
        let peakText = peak.map { "\($0)" } ?? "null"
        if json {
            print("{\"threads\": \(threads), \"cores\": \(cores), \"mhz\": \(cpu.megahertz.map { "\($0)" } ?? "null"), "
                + "\"fp32_flops_per_cycle\": \(cpu.fp32FLOPsPerCycle), \"peak_gflops\": \(peakText), "
                + "\"bf16\": \(cpu.supportsBF16), \"shapes\": [\(rows.joined(separator: ", "))]}")
        } else {
            print("FP32 peak: \(cores) cores x \(cpu.megahertz.map { String(format: "%.0f MHz", $0) } ?? "unknown clock") x "
                + "\(cpu.fp32FLOPsPerCycle) FLOPs/cycle = \(peak.map { String(format: "%.1f GFLOP/s", $0) } ?? "unknown"); "
                + "bf16 compute: \(cpu.supportsBF16 ? "available" : "not available (no avx512_bf16 / amx_bf16)")")
        }
    }
}
