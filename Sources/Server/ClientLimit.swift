import Foundation
import Hummingbird

/// At most `limit` requests in flight per client address: one client (a script gone wrong,
/// a scraper) cannot take every worker while others wait. Counted from routing to the
/// handler's answer; beyond the limit a request is answered 429 with `Retry-After` at once.
public final class ClientLimit: @unchecked Sendable {
    public let limit: Int
    private let lock = NSLock()
    private var inFlight: [String: Int] = [:]

    public init(limit: Int) { self.limit = limit }

    /// Takes a slot for `client`; false when it already has `limit` requests in flight.
    func enter(_ client: String) -> Bool {
        lock.withLock {
            let n = inFlight[client, default: 0]
            guard n < limit else { return false }
            inFlight[client] = n + 1
            return true
        }
    }

    func leave(_ client: String) {
        lock.withLock {
            let n = inFlight[client, default: 1] - 1
            inFlight[client] = n > 0 ? n : nil
        }
    }
}

/// Applies `ClientLimit` by the connection's remote IP address.
struct ClientLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let limit: ClientLimit

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        guard limit.enter(client) else {
            var response = JSONResponse.error(.tooManyRequests,
                "client \(client) already has \(limit.limit) requests in flight (max_requests_per_client); retry after one finishes")
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { limit.leave(client) }
        return try await next(request, context)
    }
}
