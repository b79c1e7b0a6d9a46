import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's resident memory: the current resident set and its high-water mark (the
/// peak so far), in bytes, as the kernel counts them.
///
/// The high-water mark only ever rises during a process's life, so a reading after a step is
/// the peak of everything up to and including that step; a step raised the peak only when its
/// reading is above the one before it. (The kernel syncs its per-thread page counts lazily,
/// so two readings can differ by a few pages either way.) On Linux both come from `/proc/self/status` (`VmRSS`,
/// `VmHWM`), the figure `/usr/bin/time -v` reports as "Maximum resident set size"; elsewhere the
/// peak comes from `getrusage` and the current size is unknown (nil).
public struct ProcessMemory: Sendable, Equatable, Codable {
    /// The resident set now, or nil where the system does not say.
    public var residentBytes: Int?
    /// The largest resident set so far.
    public var peakBytes: Int

    enum CodingKeys: String, CodingKey { case residentBytes = "resident_bytes", peakBytes = "peak_bytes" }

    public init(residentBytes: Int?, peakBytes: Int) {
        self.residentBytes = residentBytes
        self.peakBytes = peakBytes
    }

    /// The reading now.
    public static func current() -> ProcessMemory {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let reading = parse(status: status) {
            return reading
        }
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        // ru_maxrss is in kilobytes on Linux (bytes on macOS, where /proc is absent anyway).
        #if os(Linux)
        let peak = Int(usage.ru_maxrss) * 1024
        #else
        let peak = Int(usage.ru_maxrss)
        #endif
        return ProcessMemory(residentBytes: nil, peakBytes: peak)
    }

    /// The reading in the text of `/proc/<pid>/status`; nil without a `VmHWM` line.
    public static func parse(status: String) -> ProcessMemory? {
        var hwm: Int?, rss: Int?
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let kb = Int(parts[1]), kb >= 0, kb <= Int.max / 1024 else { continue }
            if parts[0] == "VmHWM:" { hwm = kb * 1024 } else if parts[0] == "VmRSS:" { rss = kb * 1024 }
        }
        return hwm.map { ProcessMemory(residentBytes: rss, peakBytes: $0) }
    }

    /// Bytes for people: `412 MB`, `1.84 GB` (decimal units, as `time -v`'s kB are read).
    public static func text(_ bytes: Int) -> String {
        bytes >= 1_000_000_000 ? String(format: "%.2f GB", Double(bytes) / 1e9) : String(format: "%.0f MB", Double(bytes) / 1e6)
    }
}
