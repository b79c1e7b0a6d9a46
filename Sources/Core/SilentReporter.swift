/// A `RunReporter` that drops every message and counts nothing: for servers answering
/// requests and for tests, where a progress line would only be noise.
public struct SilentReporter: RunReporter {
    public init() {}
    public func log(_ message: String) {}
    public func progress(_ label: String, total: Int) -> any ProgressTracker { Counter() }

    final class Counter: ProgressTracker {
        func advance(by n: Int) {}
        func finish() {}
    }
}
