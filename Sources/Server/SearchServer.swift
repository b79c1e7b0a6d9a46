import Foundation
import Hummingbird
import Logging

/// Builds the Hummingbird application for `phenoscope serve`: the router with every
/// `SearchAPI` route, bound to the configured address.
public enum SearchServer {
    public typealias App = Application<RouterResponder<BasicRequestContext>>

    public static func router(service: SearchService, metrics: RequestMetrics) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
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
        return Application(
            router: router(service: service, metrics: metrics),
            configuration: .init(address: .hostname(c.host, port: c.port), serverName: "phenoscope"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? c.port) },
            logger: logger)
    }
}
