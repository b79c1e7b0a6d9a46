import Hummingbird
import NIOCore

/// The request context of `phenoscope serve`: Hummingbird's basic context plus the client's
/// address, which the per-client request limit counts by.
public struct ServerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
