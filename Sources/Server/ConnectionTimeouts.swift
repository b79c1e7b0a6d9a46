import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// How long a connection may spend in each part of a request before the server closes it,
/// so that silent or slow clients (slow-loris headers, a body dribbled a byte at a time,
/// keep-alive sockets left open, a client that asks and then never reads the answer) cannot
/// hold the server's connections, and the responses queued for them, for ever.
///
/// Hummingbird's own `idleTimeout` restarts on every body chunk and cannot tell a silent
/// socket from a slowly sent head; these are deadlines that activity does not extend.
public struct ConnectionTimeouts: Sendable, Equatable {
    /// Seconds a connection may wait for the first byte of a request: a fresh connection,
    /// or a keep-alive one after its last response.
    public var idle: Double = 30
    /// Seconds from a request's first byte until its whole head (request line and headers)
    /// has arrived, however steadily bytes trickle in.
    public var header: Double = 10
    /// Seconds from the head until the whole body has arrived.
    public var body: Double = 60
    /// Seconds from a response's head being written until its last byte has gone to the
    /// client's socket: a client that sends requests but does not read the answers stops
    /// the writes once the socket buffers fill, and would otherwise hold the connection and
    /// its queued response until it went away.
    public var response: Double = 60

    public init(idle: Double = 30, header: Double = 10, body: Double = 60, response: Double = 60) {
        self.idle = idle; self.header = header; self.body = body; self.response = response
    }
}

/// Hummingbird's HTTP/1.1 channel with `ConnectionTimeouts` enforced: a handler at the
/// front of the pipeline sees raw bytes arrive (the start of a head), one after the HTTP
/// decoder sees heads, request ends and response ends; both feed one `ConnectionDeadline`.
struct TimedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let responder: HTTPChannelHandler.Responder
    let timeouts: ConnectionTimeouts

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let deadline = ConnectionDeadline(timeouts)
        do {
            try channel.pipeline.syncOperations.addHandler(RawReadWatch(deadline), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let inner = HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [RequestPhaseWatch(deadline)]))
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder).handle(value: value, logger: logger)
    }
}

/// One connection's phase and the instant it must leave it by; closes the channel when
/// that passes. Only touched on the channel's event loop (both watches run there), hence
/// unchecked `Sendable`.
final class ConnectionDeadline: @unchecked Sendable {
    let timeouts: ConnectionTimeouts
    private var channel: (any Channel)?
    private var idleSince = NIODeadline.now()
    /// When the first byte of the next head arrived, nil until one has.
    private var headSince: NIODeadline?
    /// When the head of the request being read arrived, nil when no body is being read.
    private var bodySince: NIODeadline?
    /// When the heads of the responses being written went out, oldest first (pipelined
    /// responses are written in order, so they end in this order too).
    private var responseStarts: [NIODeadline] = []
    /// Requests whose head arrived and whose response has not ended.
    private var inProgress = 0
    private var scheduled: Scheduled<Void>?
    private var scheduledAt: NIODeadline?

    init(_ timeouts: ConnectionTimeouts) { self.timeouts = timeouts }

    func started(_ channel: any Channel) {
        guard self.channel == nil else { return }
        self.channel = channel
        idleSince = .now()
        reschedule()
    }

    func stopped() {
        scheduled?.cancel()
        scheduled = nil; scheduledAt = nil; channel = nil
    }

    func bytesArrived() {
        if inProgress == 0, bodySince == nil, headSince == nil {
            headSince = .now()
            reschedule()
        }
    }

    func headArrived() {
        inProgress += 1
        headSince = nil
        bodySince = .now()
        reschedule()
    }

    func requestEnded() {
        bodySince = nil
        reschedule()
    }

    func responseStarted() {
        responseStarts.append(.now())
        reschedule()
    }

    /// The response's last byte has been written to the socket (or failed to be).
    func responseEnded() {
        if !responseStarts.isEmpty { responseStarts.removeFirst() }
        inProgress = max(0, inProgress - 1)
        if inProgress == 0 {
            idleSince = .now()
            headSince = nil
        }
        reschedule()
    }

    /// The instant the current phase must end by; nil while a request is being computed.
    private var deadline: NIODeadline? {
        func after(_ start: NIODeadline, _ seconds: Double) -> NIODeadline {
            start + .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
        }
        if let bodySince { return after(bodySince, timeouts.body) }
        if let oldest = responseStarts.first { return after(oldest, timeouts.response) }
        if inProgress > 0 { return nil }
        if let headSince { return after(headSince, timeouts.header) }
        return after(idleSince, timeouts.idle)
    }

    /// Keeps one timer at or before the deadline; a timer that fires early re-arms itself.
    private func reschedule() {
        guard let channel, let due = deadline else { return }
        if let at = scheduledAt, at <= due { return }
        scheduled?.cancel()
        scheduledAt = due
        scheduled = channel.eventLoop.scheduleTask(deadline: due) { [weak self] in self?.check() }
    }

    private func check() {
        scheduled = nil; scheduledAt = nil
        guard let channel, let due = deadline else { return }
        if NIODeadline.now() >= due {
            channel.close(promise: nil)
            stopped()
        } else {
            reschedule()
        }
    }
}

/// First in the pipeline: notes that bytes arrived, before the HTTP decoder has a head.
final class RawReadWatch: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let deadline: ConnectionDeadline
    init(_ deadline: ConnectionDeadline) { self.deadline = deadline }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { deadline.started(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        deadline.started(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline.stopped()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadline.bytesArrived()
        context.fireChannelRead(data)
    }
}

/// After the HTTP decoder: request heads and ends in, response heads and ends out. A
/// response ends when its end part has been written to the socket, not when it is queued:
/// Hummingbird queues the end only as the client drains, but a small response is queued
/// whole at once and must still reach the client within the response timeout.
final class RequestPhaseWatch: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    let deadline: ConnectionDeadline
    init(_ deadline: ConnectionDeadline) { self.deadline = deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: deadline.headArrived()
        case .body: break
        case .end: deadline.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: deadline.responseStarted()
        case .body: break
        case .end:
            let written = promise ?? context.eventLoop.makePromise()
            let deadline = self.deadline
            written.futureResult.whenComplete { _ in deadline.responseEnded() }
            context.write(data, promise: written)
            return
        }
        context.write(data, promise: promise)
    }
}
