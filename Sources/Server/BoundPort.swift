import Foundation

/// The port an in-process server bound (port 0 asks the system for a free one), handed from
/// the server's start-up callback to whoever must connect to it: the load test and the
/// route tests.
public final class BoundPort: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?

    public init() {}

    public func set(_ p: Int) { lock.withLock { port = p } }

    private func current() -> Int? { lock.withLock { port } }

    /// Waits up to 10 s for the port.
    public func wait() async throws -> Int {
        for _ in 0..<1000 {
            if let p = current() { return p }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw ServerError("the server did not start within 10 s")
    }
}
