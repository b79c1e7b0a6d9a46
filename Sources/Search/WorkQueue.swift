import Foundation

/// Hands out consecutive chunks of `0..<count` to whichever worker asks next.
///
/// Searches split their queries this way rather than by a fixed stride, so that on a shared
/// machine a worker that gets less CPU time takes fewer queries instead of holding up the
/// whole call; a chunk of several queries keeps the lock out of the per-query cost.
final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    private let chunk: Int

    init(count: Int, chunk: Int) {
        self.count = count
        self.chunk = max(1, chunk)
    }

    /// The next range to process, or nil when all are handed out.
    func take() -> Range<Int>? {
        lock.lock(); defer { lock.unlock() }
        guard next < count else { return nil }
        let start = next
        next = min(count, next + chunk)
        return start ..< next
    }
}
