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
        var ran: [String] = []
        var upstreamRan = false
        for stage in stages {
            if !force && !upstreamRan && isUpToDate(stage) {
                reporter.log("[\(stage.name)] up to date, skipped")
                continue
            }
            reporter.log("[\(stage.name)] running")
            let start = Date()
            let stamp = stampDirectory.appendingPathComponent("\(stage.name).done")
            try? FileManager.default.removeItem(at: stamp)
            try stage.body()
            for output in stage.outputs where !FileManager.default.fileExists(atPath: output.path) {
                throw PipelineError(message: "stage \(stage.name) finished without writing \(output.path)")
            }
            try AtomicFile.write(stage.parameters, to: stamp)
            reporter.log("[\(stage.name)] done in \(ElapsedTime.text(Date().timeIntervalSince(start)))")
            ran.append(stage.name)
            upstreamRan = true
        }
        return ran
    }
}
