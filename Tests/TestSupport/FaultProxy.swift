import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP proxy on a free loopback port in front of a server on another one,
/// that passes bytes through until told to hurt a connection: reset it,
/// close it early (a truncated response), stall it, or pause it until
/// released. Plain sockets; one thread per connection polls both ends.
///
/// A fault is armed with a byte threshold and a number of times: the first
/// connections whose bytes in the fault's direction reach the threshold get
/// it, exactly at that byte, until the times are spent. Connection reuse
/// (keep-alive) therefore does not matter: the fault lands mid-body as long
/// as the threshold is past the small requests before the big one.
public final class FaultProxy: Sendable {
    /// Which bytes a threshold counts.
    public enum Direction: Sendable {
        /// Server to client (responses, downloads).
        case download
        /// Client to server (requests, uploads).
        case upload
    }

    public enum Action: Sendable, Equatable {
        /// Both ends closed with a TCP reset (SO_LINGER 0).
        case reset
        /// Both ends closed cleanly (FIN): the peer sees a short response.
        case truncate
        /// Nothing more is forwarded in either direction, ever; the
        /// connection stays open until the client gives up or the proxy stops.
        case stall
        /// Nothing more is forwarded until `release()`, then everything is.
        case pause
    }

    public struct Fault: Sendable {
        public var action: Action
        public var direction: Direction
        public var afterBytes: Int
        public var times: Int

        public init(_ action: Action, _ direction: Direction = .download, afterBytes: Int, times: Int = 1) {
            self.action = action
            self.direction = direction
            self.afterBytes = afterBytes
            self.times = times
        }
    }

    private struct State {
        var fault: Fault?
        var injected = 0
        var connections = 0
        var released = false
        var stopped = false
    }

    /// The proxy's port on 127.0.0.1.
    public let port: Int
    public let upstreamPort: Int
    private let listener: CInt
    private let state = Mutex(State())

    /// Listens on a free loopback port and forwards to 127.0.0.1:`upstreamPort`.
    public init(upstreamPort: Int, fault: Fault? = nil) throws {
        signal(SIGPIPE, SIG_IGN)
        self.upstreamPort = upstreamPort
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw TestSetupError(description: "socket: \(String(cString: strerror(errno)))") }
        _ = fcntl(listener, F_SETFD, FD_CLOEXEC)
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 128) == 0 else {
            close(listener)
            throw TestSetupError(description: "FaultProxy bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        self.port = Int(UInt16(bigEndian: address.sin_port))
        state.withLock { $0.fault = fault }
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "fault-proxy-accept-\(port)"
        thread.start()
    }

    /// The endpoint URL to give a client instead of the server's.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Arms a fault (replacing any armed one); nil passes everything through.
    public func arm(_ fault: Fault?) {
        state.withLock {
            $0.fault = fault
            $0.released = false
        }
    }

    /// Lets paused connections go on.
    public func release() { state.withLock { $0.released = true } }

    /// How many times a fault was applied so far.
    public var injected: Int { state.withLock { $0.injected } }

    /// Connections accepted so far.
    public var connections: Int { state.withLock { $0.connections } }

    /// Stops listening and closes every connection.
    public func stop() {
        let wasStopped = state.withLock { state in
            defer { state.stopped = true }
            return state.stopped
        }
        if !wasStopped { shutdown(listener, Int32(SHUT_RDWR)) }
    }

    deinit { stop() }

    // MARK: Threads

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if state.withLock({ $0.stopped }) {
                if client >= 0 { close(client) }
                return
            }
            guard client >= 0 else {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            state.withLock { $0.connections += 1 }
            let thread = Thread { [self] in serve(client) }
            thread.name = "fault-proxy-conn"
            thread.start()
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func connectUpstream() -> CInt? {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard upstream >= 0 else { return nil }
        _ = fcntl(upstream, F_SETFD, FD_CLOEXEC)
        var address = Self.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(upstream)
            return nil
        }
        return upstream
    }

    /// What to do with `count` new bytes in `direction` after `sent` already
    /// went that way: forward how many, then which action (if any).
    private func decide(_ direction: Direction, sent: Int, count: Int) -> (forward: Int, action: Action?) {
        state.withLock { state in
            guard let fault = state.fault, fault.direction == direction, state.injected < fault.times,
                sent + count >= fault.afterBytes
            else { return (count, nil) }
            state.injected += 1
            return (max(0, fault.afterBytes - sent), fault.action)
        }
    }

    private func serve(_ client: CInt) {
        guard let upstream = connectUpstream() else {
            close(client)
            return
        }
        var sent: [Direction: Int] = [.download: 0, .upload: 0]
        var held: Action?
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        func end(_ action: Action) {
            if action == .reset {
                _ = setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                _ = setsockopt(upstream, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            }
            close(client)
            close(upstream)
        }
        while true {
            let (stopped, released) = state.withLock { ($0.stopped, $0.released) }
            if stopped { return end(.reset) }
            if held == .pause, released { held = nil }
            var fds = [
                pollfd(fd: client, events: Int16(POLLIN), revents: 0),
                pollfd(fd: upstream, events: Int16(POLLIN), revents: 0),
            ]
            if held != nil {
                // Held: watch only for the client going away (POLLRDHUP: it closed its end).
                fds[0].events = Self.pollPeerClosed
                fds[1].events = 0
            }
            let ready = poll(&fds, 2, 100)
            if ready < 0, errno != EINTR { return end(.truncate) }
            if held != nil {
                if fds[0].revents & (Int16(POLLHUP | POLLERR) | Self.pollPeerClosed) != 0 { return end(.truncate) }
                continue
            }
            for (index, direction) in [(0, Direction.upload), (1, Direction.download)]
            where fds[index].revents != 0 {
                let from = index == 0 ? client : upstream
                let to = index == 0 ? upstream : client
                let count = read(from, &buffer, buffer.count)
                guard count > 0 else { return end(.truncate) }
                let (forward, action) = decide(direction, sent: sent[direction]!, count: count)
                guard Self.writeAll(to, buffer, forward) else { return end(.truncate) }
                sent[direction]! += forward
                switch action {
                case nil: continue
                case .reset, .truncate: return end(action!)
                case .stall, .pause:
                    held = action
                    // The rest of this chunk goes on after a release.
                    if forward < count {
                        guard action == .pause else { break }
                        while !state.withLock({ $0.released || $0.stopped }) { usleep(20_000) }
                        held = nil
                        guard Self.writeAll(to, Array(buffer[forward..<count]), count - forward) else {
                            return end(.truncate)
                        }
                        sent[direction]! += count - forward
                    }
                }
                if held != nil { break }
            }
        }
    }

    /// Linux's POLLRDHUP (not exported by the Glibc module).
    private static let pollPeerClosed: Int16 = 0x2000

    private static func writeAll(_ descriptor: CInt, _ bytes: [UInt8], _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let written = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, count - offset, 0) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
