import Core
import Foundation

/// What one `phenoscope run` invocation did, written as JSON into the run folder
/// (`run_summary.json` for a whole run; `stages/summary_<part>.json` for one part, with the
/// plate names for `--only plates --plate P`): every stage, ran or skipped, with its time and
/// the process's resident memory after it, and the run's wall time and peak resident memory.
///
/// Peak memory is the process's high-water mark (`ProcessMemory`), which only rises: the stage
/// with the largest `peak_raised_bytes` is the one that set the peak.
public struct RunSummary: Codable, Equatable, Sendable {
    public var name: String
    public var part: String
    public var plates: [String]
    public var stages: [StageRecord]
    public var wallSeconds: Double
    public var peakBytes: Int

    enum CodingKeys: String, CodingKey {
        case name, part, plates, stages, wallSeconds = "wall_seconds", peakBytes = "peak_bytes"
    }

    public init(name: String, part: String, plates: [String], stages: [StageRecord], wallSeconds: Double, peakBytes: Int) {
        (self.name, self.part, self.plates, self.stages) = (name, part, plates, stages)
        (self.wallSeconds, self.peakBytes) = (wallSeconds, peakBytes)
    }

    /// The stage that raised the peak most (nil when none ran).
    public var peakStage: StageRecord? { stages.filter(\.ran).max { $0.peakRaisedBytes < $1.peakRaisedBytes } }

    /// One line for people: `peak RSS 0.66 GB (set in features@Batch1_Plate1)`.
    public var memoryLine: String {
        "peak RSS \(ProcessMemory.text(peakBytes))" + (peakStage.map { " (raised most by \($0.name))" } ?? "")
    }

    /// Where a run folder keeps the summary of `part` (for plates, of those plates).
    public static func url(root: URL, part: ScreenRun.Part, plates: [String]) -> URL {
        switch part {
        case .all: return root.appendingPathComponent("run_summary.json")
        case .plates where !plates.isEmpty:
            // Plate names come from a manifest: anything but a safe file-name character becomes '_'.
            let safe = plates.joined(separator: "+").map { $0.isASCII && ($0.isLetter || $0.isNumber || "._+-".contains($0)) ? $0 : "_" }
            return root.appendingPathComponent("stages/summary_plates_\(String(safe)).json")
        default: return root.appendingPathComponent("stages/summary_\(part.rawValue).json")
        }
    }

    public func write(to url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(enc.encode(self), to: url)
    }
}
