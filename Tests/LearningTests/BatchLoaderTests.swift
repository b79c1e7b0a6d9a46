import Core
import Foundation
import Tensor
import XCTest
@testable import Learning

/// `BatchLoader` hands out the same batches in the same order whatever its prefetch depth,
/// and `cancel()` leaves no producer work behind.
final class BatchLoaderTests: XCTestCase {
    static func batch(_ index: Int) -> [Float] {
        var rng = SeededRandom(seed: UInt64(index))
        return (0..<64).map { _ in rng.normal() }
    }

    func testBatchesComeInOrderWhateverThePrefetch() {
        let n = 25
        let expected = (0..<n).map(Self.batch)
        for prefetch in [0, 1, 3] {
            let log = NSLock()
            var made: [Int] = []
            let loader = BatchLoader(count: n, prefetch: prefetch) { i -> (Int, [Float]) in
                // Uneven make times shuffle when producer and consumer meet.
                if i % 4 == 1 { usleep(2000) }
                log.lock(); made.append(i); log.unlock()
                return (i, Self.batch(i))
            }
            var got: [(Int, [Float])] = []
            while let b = loader.next() {
                if got.count % 5 == 2 { usleep(3000) }
                got.append(b)
            }
            XCTAssertEqual(got.map(\.0), Array(0..<n), "prefetch \(prefetch)")
            XCTAssertEqual(got.map(\.1), expected, "prefetch \(prefetch)")
            XCTAssertNil(loader.next())
            log.lock(); XCTAssertEqual(made, Array(0..<n), "each batch made once, in order; prefetch \(prefetch)"); log.unlock()
        }
    }

    func testCancelStopsTheProducerPromptly() {
        let log = NSLock()
        var calls = 0, callsAfterCancel = 0, cancelReturned = false
        let loader = BatchLoader(count: 10_000, prefetch: 3) { i -> Int in
            log.lock()
            calls += 1
            if cancelReturned { callsAfterCancel += 1 }
            log.unlock()
            usleep(5000)
            return i
        }
        XCTAssertEqual(loader.next(), 0)
        XCTAssertEqual(loader.next(), 1)
        let t0 = Date()
        loader.cancel()
        log.lock(); cancelReturned = true; let callsAtCancel = calls; log.unlock()
        // At most the one batch in the making (5 ms) stands between cancel and its return.
        XCTAssertLessThan(Date().timeIntervalSince(t0), 0.5)
        usleep(100_000)
        log.lock()
        XCTAssertEqual(callsAfterCancel, 0)
        XCTAssertEqual(calls, callsAtCancel)
        XCTAssertLessThanOrEqual(calls, 2 + 3 + 1, "never more than prefetch ahead of the consumer")
        log.unlock()
        XCTAssertNil(loader.next(), "nothing after cancel, though batches 2... were prefetched")
        // Cancelling again (as deinit does) is harmless.
        loader.cancel()
        let unstarted = BatchLoader(count: 5, prefetch: 0) { $0 }
        XCTAssertEqual(unstarted.next(), 0)
        unstarted.cancel()
        XCTAssertNil(unstarted.next())
    }

    func testNoBatchesIsNilAtOnce() {
        for prefetch in [0, 2] {
            let loader = BatchLoader(count: 0, prefetch: prefetch) { i -> Int in
                XCTFail("make called for \(i)")
                return i
            }
            XCTAssertNil(loader.next())
            loader.cancel()
        }
    }
}
