import Foundation

/// What the CPU offers the kernels, read from /proc/cpuinfo: flags, clock and core count.
/// bf16 compute needs AVX-512 BF16 or AMX; without them oneDNN would emulate bf16 slower
/// than f32, so mixed precision is reported unavailable rather than faked.
public struct CPUFeatures: Sendable {
    public let flags: Set<String>
    /// The nominal clock of the first processor ("cpu MHz"), nil where not listed.
    public let megahertz: Double?
    /// Logical processors listed ("processor" lines).
    public let processors: Int

    public init(cpuinfo: String) {
        let lines = cpuinfo.split(separator: "\n")
        func value(_ line: Substring) -> Substring { line.split(separator: ":", maxSplits: 1).dropFirst().first ?? "" }
        let line = lines.first { $0.hasPrefix("flags") } ?? ""
        flags = Set(value(line).split(separator: " ").map(String.init))
        megahertz = lines.first { $0.hasPrefix("cpu MHz") }.flatMap { Double(value($0).trimmingCharacters(in: .whitespaces)) }
        processors = lines.filter { $0.hasPrefix("processor") }.count
    }

    /// Features of the machine this runs on (empty where /proc/cpuinfo is unreadable).
    public static func current() -> CPUFeatures {
        CPUFeatures(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
    }

    public var hasAVX2FMA: Bool { flags.contains("avx2") && flags.contains("fma") }
    public var supportsBF16: Bool { flags.contains("avx512_bf16") || flags.contains("amx_bf16") }

    /// FP32 FLOPs one core can issue per cycle from its widest FMA: two FMA pipes (Intel
    /// since Haswell, AMD since Zen 2) x lanes x 2 (multiply and add). Some AVX-512 parts
    /// have one 512-bit pipe, so the AVX-512 figure is an upper bound.
    public var fp32FLOPsPerCycle: Int {
        if flags.contains("avx512f") { return 2 * 16 * 2 }
        if hasAVX2FMA { return 2 * 8 * 2 }
        if flags.contains("avx") { return 2 * 8 }      // separate 8-lane add and multiply
        return 2 * 4                                   // SSE add + multiply
    }

    /// FP32 peak in GFLOP/s of `cores` cores at the nominal clock (turbo may go above it);
    /// nil where the clock is unknown.
    public func peakFP32GFLOPS(cores: Int) -> Double? {
        megahertz.map { Double(cores) * $0 / 1000 * Double(fp32FLOPsPerCycle) }
    }
}
