import Foundation

/// Hands out batches 0..<count in order, preparing up to `prefetch` of them ahead on a
/// background thread so that data preparation overlaps the training thread's forward and
/// backward passes. With `prefetch` 0 each batch is made on the caller's thread when asked.
///
/// `make` must depend only on the batch index (the Trainer derives every view's seed from
/// epoch, step and position), so the batches are the same whatever the prefetch depth or
/// thread timing. `make` runs on the background thread, so it must not touch state the
/// training thread mutates. The producer stops after the last batch or on `cancel()`; an
/// owner that stops early must call `cancel()` (the producer thread holds the loader).
public final class BatchLoader<Batch>: @unchecked Sendable {
    public let count: Int
    public let prefetch: Int
    private let make: (Int) -> Batch
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var ready: [Int: Batch] = [:]
    private var cancelled = false
    private var producerDone = false
    // Only touched by the consumer.
    private var nextIndex = 0

    public init(count: Int, prefetch: Int, make: @escaping (Int) -> Batch) {
        precondition(count >= 0 && prefetch >= 0)
        self.count = count
        self.prefetch = prefetch
        self.make = make
        guard prefetch > 0, count > 0 else { producerDone = true; return }
        let thread = Thread { [self] in produce() }
        thread.name = "phenoscope.batch-loader"
        thread.start()
    }

    deinit { cancel() }

    private func produce() {
        for index in 0..<count {
            condition.lock()
            while ready.count >= prefetch && !cancelled { condition.wait() }
            let stop = cancelled
            condition.unlock()
            if stop { break }
            let batch = make(index)
            condition.lock()
            ready[index] = batch
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        producerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, waiting for the producer when it is behind; nil after the last or
    /// once cancelled.
    public func next() -> Batch? {
        guard nextIndex < count else { return nil }
        condition.lock()
        let stopped = cancelled
        condition.unlock()
        guard !stopped else { return nil }
        defer { nextIndex += 1 }
        guard prefetch > 0 else { return make(nextIndex) }
        condition.lock()
        defer { condition.unlock() }
        while ready[nextIndex] == nil {
            // A cancelled producer will not make the batch, so waiting for it would hang.
            if cancelled { return nil }
            precondition(!producerDone, "batch loader stopped before batch \(nextIndex)")
            condition.wait()
        }
        let batch = ready.removeValue(forKey: nextIndex)!
        condition.broadcast()
        return batch
    }

    /// Stops the producer after the batch it is making (if any) and waits until it has ended,
    /// so no `make` call outlives the loader's owner.
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !producerDone { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }
}
