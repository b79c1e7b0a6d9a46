import Foundation
import Workflow

/// Runs the Python reference scripts in `scripts/reference/` that benchmarks compare
/// against (faiss, tifffile, PyTorch, cp-measure, ...).
///
/// They are development tools, found beside the sources this binary was built from; the
/// program itself never needs Python, so a benchmark whose reference cannot run reports the
/// comparison as skipped instead of failing.
enum ReferenceScript {
    /// The script's path in the source tree.
    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/reference/\(name)")
    }

    /// Whether `python` can import every module in `modules` and the script exists.
    static func available(_ name: String, modules: [String], python: String = "python3") -> Bool {
        FileManager.default.fileExists(atPath: url(name).path)
            && (try? runProcess(python, ["-c", modules.map { "import \($0)" }.joined(separator: "; ")])) != nil
    }

    /// Runs the script and parses the one JSON object it prints on standard output.
    static func runJSON(_ name: String, _ arguments: [String], python: String = "python3") throws -> [String: Any] {
        let out = try runProcess(python, [url(name).path] + arguments)
        guard let line = out.split(separator: "\n").last,
              let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw PipelineError(message: "\(name) printed no JSON object: \(out.prefix(200))")
        }
        return obj
    }

    /// Runs a program to completion; returns its standard output, throws on a non-zero exit.
    static func runProcess(_ program: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw PipelineError(message: "\(program) \(arguments.first ?? "") exited with status \(p.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
