import Core
import Foundation

/// Runs stages in order, skipping those already done.
///
/// A stage is up to date when every output exists, none is older than the newest input, and
/// it last ran with the same parameters (kept in `<run>/stages/<name>.done`, written only after
/// the stage succeeded). So an interrupted run resumes where it stopped, and an edit to the
/// config re-runs exactly the stages it affects and those after them.
public struct Pipeline: Sendable {
    public var runDirectory: URL
    public var force = false
    public var reporter: any RunReporter

    public init(runDirectory: URL, force: Bool = false, reporter: any RunReporter = SilentReporter()) {
        self.runDirectory = runDirectory
        self.force = force
        self.reporter = reporter
    }

    private var stampDirectory: URL { runDirectory.appendingPathComponent("stages") }

    public func isUpToDate(_ stage: Stage) -> Bool {
        let fm = FileManager.default
        let stamp = stampDirectory.appendingPathComponent("\(stage.name).done")
        guard let recorded = try? String(contentsOf: stamp, encoding: .utf8), recorded == stage.parameters else { return false }
        func mtime(_ url: URL) -> Date? {
            (try? fm.attributesOfItem(atPath: url.path)[.modificationDate]) as? Date
        }
        let outTimes = stage.outputs.map(mtime)
        guard !outTimes.contains(where: { $0 == nil }) else { return false }
        let oldestOutput = outTimes.compactMap { $0 }.min() ?? .distantFuture
        let newestInput = stage.inputs.compactMap(mtime).max() ?? .distantPast
        return oldestOutput >= newestInput
    }

    /// Runs the stages; returns the names of those that ran (the rest were skipped).
    @discardableResult
    public func run(_ stages: [Stage]) throws -> [String] {
        try runRecorded(stages).filter { $0.ran }.map(\.name)
    }

    /// Runs the stages; returns one record per stage (ran or skipped) with its time and the
    /// process's memory after it. Each stage's log line ends with the peak resident memory so
    /// far (see `ProcessMemory`: the high-water mark never falls, so a stage whose reading is
    /// higher than the one before it is the stage that raised the peak).
    public func runRecorded(_ stages: [Stage]) throws -> [StageRecord] {
        var records: [StageRecord] = []
        var upstreamRan = false
        for stage in stages {
            if !force && !upstreamRan && isUpToDate(stage) {
                reporter.log("[\(stage.name)] up to date, skipped")
                records.append(StageRecord(name: stage.name, ran: false, seconds: 0, memory: .current(), peakRaisedBytes: 0))
                continue
            }
            reporter.log("[\(stage.name)] running")
            let start = Date()
            let before = ProcessMemory.current()
            let stamp = stampDirectory.appendingPathComponent("\(stage.name).done")
            try? FileManager.default.removeItem(at: stamp)
            try stage.body()
            for output in stage.outputs where !FileManager.default.fileExists(atPath: output.path) {
                throw PipelineError(message: "stage \(stage.name) finished without writing \(output.path)")
            }
            try AtomicFile.write(stage.parameters, to: stamp)
            let after = ProcessMemory.current()
            let record = StageRecord(name: stage.name, ran: true, seconds: Date().timeIntervalSince(start), memory: after,
                                     peakRaisedBytes: max(0, after.peakBytes - before.peakBytes))
            reporter.log("[\(stage.name)] done in \(ElapsedTime.text(record.seconds)); \(record.memoryText)")
            records.append(record)
            upstreamRan = true
        }
        return records
    }
}

/// What one stage of a run did: whether it ran or was up to date, how long it took, and the
/// process's resident memory after it (peak so far, and how much this stage raised it).
public struct StageRecord: Codable, Equatable, Sendable {
    public var name: String
    public var ran: Bool
    public var seconds: Double
    /// The process's memory just after the stage; `peakBytes` is the high-water mark of the
    /// whole process up to here, not of this stage alone (the kernel's peak never falls).
    public var memory: ProcessMemory
    /// How far this stage raised the process's peak (0: it stayed under an earlier stage's).
    public var peakRaisedBytes: Int

    public init(name: String, ran: Bool, seconds: Double, memory: ProcessMemory, peakRaisedBytes: Int) {
        (self.name, self.ran, self.seconds, self.memory, self.peakRaisedBytes) = (name, ran, seconds, memory, peakRaisedBytes)
    }

    /// `peak RSS 412 MB so far (+120 MB in this stage), RSS now 200 MB`.
    public var memoryText: String {
        "peak RSS \(ProcessMemory.text(memory.peakBytes)) so far (+\(ProcessMemory.text(peakRaisedBytes)) in this stage)"
            + (memory.residentBytes.map { ", RSS now \(ProcessMemory.text($0))" } ?? "")
    }

    enum CodingKeys: String, CodingKey {
        case name, ran, seconds, memory, peakRaisedBytes = "peak_raised_bytes"
    }
}
