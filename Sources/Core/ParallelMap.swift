import Foundation

/// `transform` over `items` on `workers` threads (worker w takes items w, w + workers, ...),
/// results in input order whatever the scheduling; the first error in input order is
/// rethrown after all items ran. For coarse jobs such as whole images or sites.
public func parallelMap<T, R>(_ items: [T], workers: Int, _ transform: (T) throws -> R) throws -> [R] {
    let results = UnsafeMutableBufferPointer<Result<R, Error>?>.allocate(capacity: items.count)
    defer { results.deinitialize().deallocate() }
    results.initialize(repeating: nil)
    let n = max(1, min(workers, items.count))
    DispatchQueue.concurrentPerform(iterations: n) { w in
        for i in stride(from: w, to: items.count, by: n) { results[i] = Result { try transform(items[i]) } }
    }
    return try (0..<items.count).map { try results[$0]!.get() }
}
