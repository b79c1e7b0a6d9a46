import Core
import Foundation
import Tensor

/// One step of `phenoscope run`: what it reads, what it writes, and how to make the outputs.
///
/// `parameters` is the canonical text of the configuration the step depends on; together
/// with the file times it decides whether the step can be skipped.
struct Stage {
    var name: String
    var inputs: [URL]
    var outputs: [URL]
    var parameters: String
    var body: () throws -> Void
}

/// Runs stages in order, skipping those already done.
///
/// A stage is up to date when every output exists, none is older than the newest input, and
/// it last ran with the same parameters (kept in `<run>/stages/<name>.done`, written only after
/// the stage succeeded). So an interrupted run resumes where it stopped, and an edit to the
/// config re-runs exactly the stages it affects and those after them.
struct Pipeline {
    var runDirectory: URL
    var force = false
    var quiet = false

    private var stampDirectory: URL { runDirectory.appendingPathComponent("stages") }

    func isUpToDate(_ stage: Stage) -> Bool {
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
    func run(_ stages: [Stage]) throws -> [String] {
        var ran: [String] = []
        var upstreamRan = false
        for stage in stages {
            if !force && !upstreamRan && isUpToDate(stage) {
                Log.info("[\(stage.name)] up to date, skipped", quiet: quiet)
                continue
            }
            Log.info("[\(stage.name)] running", quiet: quiet)
            let start = Date()
            let stamp = stampDirectory.appendingPathComponent("\(stage.name).done")
            try? FileManager.default.removeItem(at: stamp)
            try stage.body()
            for output in stage.outputs where !FileManager.default.fileExists(atPath: output.path) {
                throw PipelineError(message: "stage \(stage.name) finished without writing \(output.path)")
            }
            try AtomicFile.write(stage.parameters, to: stamp)
            Log.info("[\(stage.name)] done in \(ProgressLine.duration(Date().timeIntervalSince(start)))", quiet: quiet)
            ran.append(stage.name)
            upstreamRan = true
        }
        return ran
    }
}

/// A failure of the pipeline itself (as opposed to bad input to one stage).
struct PipelineError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
