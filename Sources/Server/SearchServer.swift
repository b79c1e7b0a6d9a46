import Foundation
import Hummingbird
import HummingbirdCore
import Logging

/// Builds the Hummingbird application for `phenoscope serve`: the router with every
/// `SearchAPI` route, bound to the configured address, over an HTTP/1.1 channel that
/// enforces the configured connection timeouts.
public enum SearchServer {
    public typealias App = Application<RouterResponder<ServerRequestContext>>

    public static func router(service: SearchService, metrics: RequestMetrics) -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        SearchAPI(service: service, metrics: metrics).register(on: router)
        return router
    }

    /// The application; `onRunning` receives the bound port (useful with port 0). `quiet`
    /// silences everything below critical, e.g. the cancellation notice when a bench stops it.
    public static func application(service: SearchService, metrics: RequestMetrics = RequestMetrics(), quiet: Bool = false,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> App {
        let c = service.configuration
        var logger = Logger(label: "phenoscope.serve")
        logger.logLevel = quiet ? .critical : .warning
        let timeouts = c.timeouts
        return Application(
            router: router(service: service, metrics: metrics),
            server: HTTPServerBuilder { responder in TimedHTTP1Channel(responder: responder, timeouts: timeouts) },
            configuration: .init(address: .hostname(c.host, port: c.port), serverName: "phenoscope"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? c.port) },
            logger: logger)
    }
}
