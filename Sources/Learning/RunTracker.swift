import Core
import Foundation
import Tensor

/// Experiment tracking for one training run: `runs/<name>/` holding the resolved config
/// (`config.yaml`), the code version (`git_commit.txt`), `metrics.jsonl` (one JSON object per
/// logged step or epoch) and TensorBoard event files under `tensorboard/`.
///
/// Under data-parallel training every rank makes one, but only the root's writes anything,
/// so ranks call it unconditionally.
public final class RunTracker {
    public let directory: URL
    public let isWriter: Bool
    private let tensorboard: TensorBoardWriter?
    private let metrics: FileHandle?

    /// Creates (or, with `resume`, reopens and appends to) the run folder.
    public init(directory: URL, configYAML: String, isWriter: Bool = true, resume: Bool = false) throws {
        self.directory = directory
        self.isWriter = isWriter
        guard isWriter else { tensorboard = nil; metrics = nil; return }
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(configYAML, to: directory.appendingPathComponent("config.yaml"))
        try AtomicFile.write(Self.gitCommit() + "\n", to: directory.appendingPathComponent("git_commit.txt"))
        let metricsURL = directory.appendingPathComponent("metrics.jsonl")
        if !resume || !fm.fileExists(atPath: metricsURL.path) { fm.createFile(atPath: metricsURL.path, contents: nil) }
        let h = try FileHandle(forWritingTo: metricsURL)
        try h.seekToEnd()
        metrics = h
        tensorboard = try TensorBoardWriter(directory: directory.appendingPathComponent("tensorboard"))
    }

    deinit { try? metrics?.close() }

    /// Appends one record: `{"step": S, "epoch": E, <scalars>}` to metrics.jsonl and the
    /// same scalars to TensorBoard at `step`. Non-finite values are written as null.
    public func log(step: Int, epoch: Int, _ scalars: [(String, Double)]) throws {
        guard isWriter, let metrics, let tensorboard else { return }
        var fields = ["\"step\": \(step)", "\"epoch\": \(epoch)"]
        for (k, v) in scalars { fields.append("\"\(k)\": \(v.isFinite ? "\(v)" : "null")") }
        try metrics.write(contentsOf: Data(("{" + fields.joined(separator: ", ") + "}\n").utf8))
        try tensorboard.add(scalars: scalars, step: step)
    }

    /// `git rev-parse HEAD` in the current folder, or "unknown" when git or a repository is missing.
    public static func gitCommit() -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "unknown" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let s = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !s.isEmpty ? s : "unknown"
    }
}
