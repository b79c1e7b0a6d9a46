import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A slow-loris load on a server on this machine, for `bench serve --slowloris`: `count`
/// connections that each send the start of a request head and then one more header line
/// every `interval` seconds, never finishing it. A connection the server closes (its header
/// timeout) is opened again at the next tick, so `count` stay open for as long as the load
/// runs; `reopened` counts those, which is how often the server cut one off.
///
/// One thread drives every socket with non-blocking sends, so the load costs the machine
/// almost nothing beside the server. Only loopback is targeted (the client it builds on
/// connects to 127.0.0.1 only).
public final class SlowLorisLoad: @unchecked Sendable {
    public let port: Int
    public let count: Int
    public let interval: Double
    private let lock = NSLock()
    private var running = false
    private var open = 0
    private var reopenedCount = 0
    private var failedConnects = 0
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    public init(port: Int, count: Int, interval: Double = 1) {
        self.port = port
        self.count = count
        self.interval = interval
    }

    /// Connections open now, connections the server closed and that were opened again, and
    /// connects that failed.
    public var state: (open: Int, reopened: Int, failedConnects: Int) {
        lock.withLock { (open, reopenedCount, failedConnects) }
    }

    /// Starts the load and returns once every connection has been tried once.
    public func start() {
        lock.withLock { running = true }
        let ready = DispatchSemaphore(value: 0)
        let t = Thread { [self] in drive(ready) }
        t.stackSize = 1 << 20
        thread = t
        t.start()
        ready.wait()
    }

    /// Stops the load and closes every connection.
    public func stop() {
        let wasRunning = lock.withLock { () -> Bool in let r = running; running = false; return r }
        if wasRunning { finished.wait() }
    }

    private func drive(_ ready: DispatchSemaphore) {
        var sockets: [LoopbackHTTPClient?] = Array(repeating: nil, count: count)
        let start = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8)
        var tick = 0
        var signalled = false
        while lock.withLock({ running }) {
            var opened = 0, reopened = 0, failed = 0
            for i in 0..<count {
                if let s = sockets[i], SlowLorisLoad.closedByPeer(s.fd) {
                    sockets[i] = nil
                    reopened += 1
                }
                if sockets[i] == nil {
                    guard let s = try? LoopbackHTTPClient(port: port), SlowLorisLoad.send(s.fd, start) else { failed += 1; continue }
                    sockets[i] = s
                } else if !SlowLorisLoad.send(sockets[i]!.fd, Array("X-Slow-\(tick): \(i)\r\n".utf8)) {
                    sockets[i] = nil
                    reopened += 1
                    continue
                }
                opened += 1
            }
            lock.withLock { open = opened; reopenedCount += reopened; failedConnects += failed }
            if !signalled { ready.signal(); signalled = true }
            tick += 1
            let until = Date().addingTimeInterval(interval)
            while Date() < until && lock.withLock({ running }) { usleep(20_000) }
        }
        sockets.removeAll() // closes them
        lock.withLock { open = 0 }
        finished.signal()
    }

    /// Whether the server is done with the connection, without waiting: it closed it, it
    /// failed, or it answered (so the head is no longer pending).
    static func closedByPeer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        if n >= 0 { return true }
        return errno != EAGAIN && errno != EWOULDBLOCK
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        return n == bytes.count
    }
}
