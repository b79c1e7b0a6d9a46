/// A counter of work done that a `RunReporter` hands out; safe to advance from several threads
/// because sites are processed in parallel.
public protocol ProgressTracker: AnyObject, Sendable {
    func advance(by n: Int)
    /// Ends the counter (a front end may print a summary line).
    func finish()
}

extension ProgressTracker {
    public func advance() { advance(by: 1) }
}
