import Foundation
import Hummingbird

/// Request counts and a latency histogram, rendered in the Prometheus text format for
/// `GET /metrics`.
///
/// Series are keyed by method, route template (`/api/items/{id}`, never the raw path, so
/// ids cannot blow up the number of series) and status. A lock rather than an actor: the
/// middleware records on every request and must not add a hop.
public final class RequestMetrics: @unchecked Sendable {
    /// Upper bounds of the latency buckets, seconds.
    public static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    struct Key: Hashable { var method: String; var route: String; var status: Int }
    struct Series { var count = 0; var sum = 0.0; var buckets = [Int](repeating: 0, count: RequestMetrics.buckets.count) }

    private let lock = NSLock()
    private var series: [Key: Series] = [:]
    private let started = Date()

    public init() {}

    func record(method: String, route: String, status: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        var s = series[Key(method: method, route: route, status: status), default: Series()]
        s.count += 1
        s.sum += seconds
        if let b = RequestMetrics.buckets.firstIndex(where: { seconds <= $0 }) { s.buckets[b] += 1 }
        series[Key(method: method, route: route, status: status)] = s
    }

    /// Total requests answered so far with this status class (2 for 2xx ...), for tests.
    public func count(statusClass: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        return series.filter { $0.key.status / 100 == statusClass }.values.reduce(0) { $0 + $1.count }
    }

    /// The Prometheus exposition text.
    public func text(gauges: [(name: String, help: String, value: Double)] = []) -> String {
        lock.lock()
        let snapshot = series.sorted { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }
        lock.unlock()
        func labels(_ k: Key) -> String {
            "method=\"\(k.method)\",route=\"\(escape(k.route))\",status=\"\(k.status)\""
        }
        var out = "# HELP phenoscope_http_requests_total HTTP requests answered.\n# TYPE phenoscope_http_requests_total counter\n"
        for (k, s) in snapshot { out += "phenoscope_http_requests_total{\(labels(k))} \(s.count)\n" }
        out += "# HELP phenoscope_http_request_duration_seconds Time from request to response head.\n"
        out += "# TYPE phenoscope_http_request_duration_seconds histogram\n"
        for (k, s) in snapshot {
            var cumulative = 0
            for (b, upper) in RequestMetrics.buckets.enumerated() {
                cumulative += s.buckets[b]
                out += "phenoscope_http_request_duration_seconds_bucket{\(labels(k)),le=\"\(upper)\"} \(cumulative)\n"
            }
            out += "phenoscope_http_request_duration_seconds_bucket{\(labels(k)),le=\"+Inf\"} \(s.count)\n"
            out += "phenoscope_http_request_duration_seconds_sum{\(labels(k))} \(s.sum)\n"
            out += "phenoscope_http_request_duration_seconds_count{\(labels(k))} \(s.count)\n"
        }
        let uptime = Date().timeIntervalSince(started)
        for g in gauges + [("phenoscope_uptime_seconds", "Seconds since the server started.", uptime)] {
            out += "# HELP \(g.name) \(g.help)\n# TYPE \(g.name) gauge\n\(g.name) \(g.value)\n"
        }
        return out
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Times every request and records it in `RequestMetrics`, outermost so that error answers
/// made by `JSONErrorMiddleware` are counted with their real status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // The router fills the endpoint template in once it has matched; unmatched paths share one series.
        let route = context.endpointPath ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: response.status.code, seconds: seconds)
        return response
    }
}
