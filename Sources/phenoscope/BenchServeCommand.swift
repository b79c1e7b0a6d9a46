import ArgumentParser
import Foundation
import Hummingbird
import Search
import Server

/// `phenoscope bench serve`: requests/s and latency of the search API under concurrent load.
///
/// Starts the server in this process on a free loopback port over `--index` (or targets one
/// already running on `--port`), then `--clients` keep-alive connections send `POST
/// /api/search` by random item id (seeded) until `--count` requests or `--seconds` pass.
/// A `GET /health` baseline runs first in the same run, so the search figure reads as a
/// ratio to the server's bare request overhead.
struct BenchServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load-test the search API on localhost: requests/s and p99 at N concurrent clients."
    )

    @Option(help: "Index folder to serve in-process.") var index: String?
    @Option(help: "Port of a server already running on 127.0.0.1 (instead of --index).") var port: Int?
    @Option(help: "Concurrent clients.") var clients = 16
    @Option(help: "Requests per phase, at most.") var count = 20_000
    @Option(help: "Seconds per phase, at most.") var seconds = 15.0
    @Option(help: "Neighbours per search.") var k = 10
    @Option(help: "Seed for the query ids.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard (index == nil) != (port == nil) else { throw ValidationError("give exactly one of --index or --port") }
        guard clients >= 1, count >= 1, seconds > 0, k >= 1 else { throw ValidationError("--clients, --count, --seconds and --k must be positive") }
    }

    func run() throws {
        let (clients, count, seconds, k, seed, quiet) = (self.clients, self.count, self.seconds, self.k, self.seed, self.quiet)
        let index = self.index, port = self.port
        let report = try BlockingTask.run { () -> [String: Double] in
            var ids: [Int] = []
            var serverTask: Task<Void, Error>? = nil
            var target = port ?? 0
            if let index {
                var config = ServerConfiguration(indexURL: URL(fileURLWithPath: index))
                config.port = 0
                config.umapMaxItems = 0 // the map is not what is measured
                let service = try SearchService(configuration: config) { Log.info($0, quiet: quiet) }
                let s = await service.snapshot()
                ids = (0..<s.index.metadata.count).filter { s.index.index.vector($0) != nil }
                let bound = PortBox()
                let app = SearchServer.application(service: service, quiet: true) { bound.set($0) }
                serverTask = Task { try await app.run() }
                target = try await bound.wait()
            } else {
                ids = try Self.liveIDs(port: target)
            }
            guard !ids.isEmpty else { throw ValidationError("the index has no live items to query") }
            defer { serverTask?.cancel() }
            Log.info("load: \(clients) clients, up to \(count) requests or \(seconds) s per phase, port \(target)", quiet: quiet)
            var health = LoadTest(port: target) { _ in ("GET", "/health", nil) }
            health.clients = clients; health.count = count; health.seconds = seconds
            let h = try health.run()
            let queryIDs = ids
            var search = LoadTest(port: target) { i in
                // SplitMix64 on (seed, i): every run sends the same queries in the same order.
                var z = seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; z ^= z >> 31
                return ("POST", "/api/search", "{\"id\":\(queryIDs[Int(z % UInt64(queryIDs.count))]),\"k\":\(k)}")
            }
            search.clients = clients; search.count = count; search.seconds = seconds
            let s = try search.run()
            return [
                "clients": Double(clients), "items": Double(ids.count),
                "health_requests": Double(h.requests), "health_errors": Double(h.errors),
                "health_rps": h.requestsPerSecond, "health_p99_ms": h.p99 * 1000,
                "search_requests": Double(s.requests), "search_errors": Double(s.errors),
                "search_rps": s.requestsPerSecond, "search_p50_ms": s.p50 * 1000, "search_p99_ms": s.p99 * 1000,
                "search_max_ms": s.max * 1000, "search_rps_ratio_to_health": s.requestsPerSecond / max(h.requestsPerSecond, 1e-9),
            ]
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "health: %.0f req/s, p99 %.2f ms, %d errors", report["health_rps"]!, report["health_p99_ms"]!, Int(report["health_errors"]!)))
            print(String(format: "search (k=%d, %d items): %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors (%.2fx of health)",
                         k, Int(report["items"]!), report["search_rps"]!, report["search_p50_ms"]!, report["search_p99_ms"]!,
                         Int(report["search_errors"]!), report["search_rps_ratio_to_health"]!))
        }
        if report["health_errors"]! > 0 || report["search_errors"]! > 0 { throw ExitCode(1) }
    }

    /// The live ids of a running server, from `GET /api/items` pages.
    static func liveIDs(port: Int) throws -> [Int] {
        guard let url = URL(string: "http://127.0.0.1:\(port)/api/items?limit=10000"),
              let data = try? Data(contentsOf: url),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let items = obj["items"] as? [[String: Any]] else {
            throw ValidationError("no server answering GET /api/items on 127.0.0.1:\(port)")
        }
        return items.compactMap { $0["id"] as? Int }
    }
}

/// The port the in-process server bound, handed from its start-up callback to the bench.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?
    func set(_ p: Int) { lock.withLock { port = p } }
    private func current() -> Int? { lock.withLock { port } }
    func wait() async throws -> Int {
        for _ in 0..<1000 {
            if let p = current() { return p }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw ValidationError("the server did not start within 10 s")
    }
}
