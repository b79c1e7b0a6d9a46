import Core

/// The command line's `RunReporter`: messages on standard error (none when quiet), progress
/// as a `ProgressLine` redrawn in place on a terminal.
struct ConsoleReporter: RunReporter {
    var quiet = false
    func log(_ message: String) { Log.info(message, quiet: quiet) }
    func progress(_ label: String, total: Int) -> any ProgressTracker { ProgressLine(label, total: total, quiet: quiet) }
}
