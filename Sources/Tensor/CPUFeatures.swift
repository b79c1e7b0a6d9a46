import Foundation

/// What the CPU offers the kernels, read from /proc/cpuinfo flags. bf16 compute needs
/// AVX-512 BF16 or AMX; without them oneDNN would emulate bf16 slower than f32, so
/// mixed precision is reported unavailable rather than faked.
public struct CPUFeatures: Sendable {
    public let flags: Set<String>

    public init(cpuinfo: String) {
        let line = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        flags = Set((line.split(separator: ":").last ?? "").split(separator: " ").map(String.init))
    }

    /// Features of the machine this runs on (empty where /proc/cpuinfo is unreadable).
    public static func current() -> CPUFeatures {
        CPUFeatures(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
    }

    public var hasAVX2FMA: Bool { flags.contains("avx2") && flags.contains("fma") }
    public var supportsBF16: Bool { flags.contains("avx512_bf16") || flags.contains("amx_bf16") }
}
