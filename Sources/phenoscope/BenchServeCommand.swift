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
/// ratio to the server's bare request overhead. With `--slowloris N`, a last phase repeats
/// the `/health` load while N slow-loris connections (loopback only, at most 5,000) hold
/// unfinished request heads open, and reports its p50/p99 beside the unloaded baseline and
/// how many of those connections the server's header timeout closed.
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
    @Option(parsing: .unconditional, help: "Seed for the query ids.") var seed: UInt64 = 1
    @Option(help: "Slow-loris connections held open during a last /health phase (0: no such phase; at most 5000).") var slowloris = 0
    @Option(help: "Seconds between the header lines each slow-loris connection sends.") var slowlorisInterval = 1.0
    @Option(help: "In-process server: header timeout, seconds (how soon a slow-loris head is cut off).") var headerTimeout = 10.0
    @Flag(help: "Print one JSON object on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard (index == nil) != (port == nil) else { throw ValidationError("give exactly one of --index or --port") }
        guard clients >= 1, count >= 1, seconds > 0, k >= 1 else { throw ValidationError("--clients, --count, --seconds and --k must be positive") }
        guard (0...5000).contains(slowloris) else { throw ValidationError("--slowloris must be in 0...5000, got \(slowloris)") }
        guard slowlorisInterval > 0, slowlorisInterval <= 60 else { throw ValidationError("--slowloris-interval must be in (0, 60] seconds") }
        guard headerTimeout > 0, headerTimeout <= 3600 else { throw ValidationError("--header-timeout must be in (0, 3600] seconds") }
    }

    func run() throws {
        let (clients, count, seconds, k, seed, quiet) = (self.clients, self.count, self.seconds, self.k, self.seed, self.quiet)
        let index = self.index, port = self.port
        let (slowloris, slowlorisInterval, headerTimeout) = (self.slowloris, self.slowlorisInterval, self.headerTimeout)
        let report = try BlockingTask.run { () -> [String: Double] in
            var ids: [Int] = []
            var serverTask: Task<Void, Error>? = nil
            var target = port ?? 0
            if let index {
                var config = ServerConfiguration(indexURL: URL(fileURLWithPath: index))
                config.port = 0
                config.umapMaxItems = 0 // the map is not what is measured
                config.maxRequestsPerClient = max(config.maxRequestsPerClient, clients)
                config.timeouts.header = headerTimeout
                let service = try SearchService(configuration: config) { Log.info($0, quiet: quiet) }
                let s = await service.snapshot()
                ids = (0..<s.index.metadata.count).filter { s.index.index.vector($0) != nil }
                let bound = BoundPort()
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
            var loaded: [String: Double] = [:]
            if slowloris > 0 {
                let load = SlowLorisLoad(port: target, count: slowloris, interval: slowlorisInterval)
                load.start()
                defer { load.stop() }
                let before = load.state
                Log.info("slow-loris: \(before.open) of \(slowloris) connections open (\(before.failedConnects) connects failed)", quiet: quiet)
                let l = try health.run()
                let after = load.state
                loaded = [
                    "slowloris_connections": Double(slowloris), "slowloris_open_at_start": Double(before.open),
                    "slowloris_open_at_end": Double(after.open), "slowloris_closed_by_server": Double(after.reopened),
                    "slowloris_failed_connects": Double(after.failedConnects),
                    "loaded_health_requests": Double(l.requests), "loaded_health_errors": Double(l.errors),
                    "loaded_health_rps": l.requestsPerSecond, "loaded_health_p50_ms": l.p50 * 1000,
                    "loaded_health_p99_ms": l.p99 * 1000, "loaded_health_max_ms": l.max * 1000,
                ]
            }
            return loaded.merging([
                "clients": Double(clients), "items": Double(ids.count),
                "health_requests": Double(h.requests), "health_errors": Double(h.errors),
                "health_rps": h.requestsPerSecond, "health_p50_ms": h.p50 * 1000, "health_p99_ms": h.p99 * 1000,
                "search_requests": Double(s.requests), "search_errors": Double(s.errors),
                "search_rps": s.requestsPerSecond, "search_p50_ms": s.p50 * 1000, "search_p99_ms": s.p99 * 1000,
                "search_max_ms": s.max * 1000, "search_rps_ratio_to_health": s.requestsPerSecond / max(h.requestsPerSecond, 1e-9),
            ]) { a, _ in a }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "health: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors", report["health_rps"]!, report["health_p50_ms"]!,
                         report["health_p99_ms"]!, Int(report["health_errors"]!)))
            print(String(format: "search (k=%d, %d items): %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors (%.2fx of health)",
                         k, Int(report["items"]!), report["search_rps"]!, report["search_p50_ms"]!, report["search_p99_ms"]!,
                         Int(report["search_errors"]!), report["search_rps_ratio_to_health"]!))
        }
        if !json, let p99 = report["loaded_health_p99_ms"] {
            print(String(format: "health under %d slow-loris connections (%d open at start, %d closed by the header timeout): %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors (p99 %.2fx of unloaded)",
                         slowloris, Int(report["slowloris_open_at_start"]!), Int(report["slowloris_closed_by_server"]!), report["loaded_health_rps"]!,
                         report["loaded_health_p50_ms"]!, p99, Int(report["loaded_health_errors"]!), p99 / max(report["health_p99_ms"]!, 1e-9)))
        }
        if report["health_errors"]! > 0 || report["search_errors"]! > 0 || (report["loaded_health_errors"] ?? 0) > 0 { throw ExitCode(1) }
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
