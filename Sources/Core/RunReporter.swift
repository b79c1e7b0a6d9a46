/// Where a long library operation (a run's stages, a query by image) sends its messages and
/// progress, so the library never prints: the command line draws a progress line on
/// standard error, the server logs, a test stays silent. Front ends implement it and pass it in.
public protocol RunReporter: Sendable {
    /// A message for people (one line).
    func log(_ message: String)
    /// A counter for `total` items of work labelled `label`.
    func progress(_ label: String, total: Int) -> any ProgressTracker
}

extension RunReporter {
    /// Runs `body` with a progress counter that is finished afterwards, whatever happens.
    public func tracking<T>(_ label: String, total: Int, _ body: (any ProgressTracker) throws -> T) rethrows -> T {
        let tracker = progress(label, total: total)
        defer { tracker.finish() }
        return try body(tracker)
    }
}
