import Foundation

/// Runs async work to completion from a synchronous `ParsableCommand.run()`.
///
/// The root command is synchronous; the few verbs that drive async code (the server) wait
/// here on a semaphore while the work runs on the concurrency pool's threads.
enum BlockingTask {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    private final class Box<T>: @unchecked Sendable { var result: Result<T, Error>? }
}
