import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bounded load test against a server on this machine: `clients` threads, each with one
/// keep-alive HTTP/1.1 connection, send requests back to back until `count` requests in
/// total or `seconds` have gone, whichever is first.
///
/// Plain blocking sockets on purpose: the client must cost little next to the server it
/// measures, and must not share the server's event loops when both run in one process.
/// Only loopback addresses are accepted.
public struct LoadTest: Sendable {
    public var host = "127.0.0.1"
    public var port: Int
    public var clients = 16
    public var count = 20_000
    public var seconds = 20.0
    /// Builds request number `i` (method, path, JSON body or nil).
    public var request: @Sendable (Int) -> (method: String, path: String, body: String?)

    public init(port: Int, request: @escaping @Sendable (Int) -> (method: String, path: String, body: String?)) {
        self.port = port
        self.request = request
    }

    public struct Result: Sendable {
        public var requests: Int
        public var errors: Int
        /// Statuses other than 2xx, by status.
        public var statuses: [Int: Int]
        public var seconds: Double
        public var requestsPerSecond: Double
        public var p50: Double
        public var p99: Double
        public var max: Double
    }

    public func run() throws -> Result {
        guard host == "127.0.0.1" || host == "localhost" || host == "::1" else {
            throw ServerError("load tests only target this machine (127.0.0.1), not \(host)")
        }
        let shared = Shared()
        let deadline = Date().addingTimeInterval(seconds)
        let start = DispatchTime.now().uptimeNanoseconds
        let group = DispatchGroup()
        for _ in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var connection: LoopbackHTTPClient? = nil
                var mine: [Double] = []
                var myErrors = 0
                var myStatuses: [Int: Int] = [:]
                while true {
                    let i = shared.take()
                    if i >= count || Date() > deadline { break }
                    let r = request(i)
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    do {
                        if connection == nil { connection = try LoopbackHTTPClient(port: port) }
                        let status = try connection!.send(method: r.method, path: r.path, body: r.body.map { Array($0.utf8) }).status
                        mine.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                        if !(200..<300).contains(status) { myErrors += 1; myStatuses[status, default: 0] += 1 }
                    } catch {
                        myErrors += 1; myStatuses[0, default: 0] += 1
                        connection = nil
                    }
                }
                shared.merge(mine, myErrors, myStatuses)
            }
        }
        group.wait()
        var latencies = shared.latencies
        let (errors, statuses) = (shared.errors, shared.statuses)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        latencies.sort()
        func quantile(_ q: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int((q * Double(latencies.count)).rounded(.up)) - 1)]
        }
        return Result(requests: latencies.count + statuses[0, default: 0], errors: errors, statuses: statuses, seconds: elapsed,
                      requestsPerSecond: Double(latencies.count) / elapsed, p50: quantile(0.5), p99: quantile(0.99),
                      max: latencies.last ?? 0)
    }

    /// The request counter and the merged results, behind one lock.
    final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private(set) var latencies: [Double] = []
        private(set) var errors = 0
        private(set) var statuses: [Int: Int] = [:]

        func take() -> Int {
            lock.lock(); defer { lock.unlock() }
            next += 1
            return next - 1
        }

        func merge(_ l: [Double], _ e: Int, _ s: [Int: Int]) {
            lock.lock(); defer { lock.unlock() }
            latencies += l; errors += e
            for (k, v) in s { statuses[k, default: 0] += v }
        }
    }
}
