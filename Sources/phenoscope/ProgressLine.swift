import Core
import Foundation

/// A one-line progress display on standard error: items done, rate, time left.
///
/// It redraws in place only when standard error is a terminal, at most a few times a second,
/// and prints nothing when quiet, so scripts and CI logs stay clean while people at a
/// terminal see how far a long verb has got.
final class ProgressLine: ProgressTracker, @unchecked Sendable {
    private let label: String
    private let total: Int
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var done = 0
    private let lock = NSLock()

    init(_ label: String, total: Int, quiet: Bool) {
        self.label = label
        self.total = total
        self.enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Records `n` more items done; safe to call from several threads.
    func advance(by n: Int = 1) {
        lock.lock(); defer { lock.unlock() }
        done += n
        let now = Date()
        guard enabled, now.timeIntervalSince(lastDraw) > 0.2 || done == total else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r%@ %d/%d  %.1f/s  %@ left ", label, done, total, rate, ElapsedTime.text(left))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the line; prints a summary unless quiet.
    func finish() {
        let elapsed = Date().timeIntervalSince(start)
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        Log.info("\(label): \(done) in \(ElapsedTime.text(elapsed))", quiet: !enabled)
    }
}

/// Messages for people go to standard error, so standard output stays machine-readable.
enum Log {
    static func info(_ message: String, quiet: Bool = false) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
