import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How a peer reached the bridge; sessions use it to decide, e.g., whether a
/// connection must authenticate.
public enum PeerKind: Sendable, Equatable {
    case stdio
    case tcp(remote: String)
    case unix
}

/// Serves one method table over stdio, TCP and Unix sockets. Every
/// connection gets its own session and its own `RPCConnection`.
public final class RPCEndpoint<Session: Sendable>: Sendable {
    public typealias SessionFactory = @Sendable (PeerKind) -> Session

    let registry: MethodRegistry<Session>
    let options: ConnectionOptions
    let logger: Logger
    let makeSession: SessionFactory
    let group: MultiThreadedEventLoopGroup
    private let live = Mutex<(connections: [ObjectIdentifier: RPCConnection<Session>], listeners: [Channel])>(([:], []))

    public init(
        registry: MethodRegistry<Session>, options: ConnectionOptions, logger: Logger,
        makeSession: @escaping SessionFactory
    ) {
        self.registry = registry
        self.options = options
        self.logger = logger
        self.makeSession = makeSession
        self.group = MultiThreadedEventLoopGroup.singleton
    }

    /// Serves the process's stdin and stdout until the input ends and every
    /// request is answered (or `shutdown()` is called).
    public func serveStdio(input: CInt = STDIN_FILENO, output: CInt = STDOUT_FILENO) async throws {
        let inputKind = DescriptorKind(of: input)
        let outputKind = DescriptorKind(of: output)
        let fileSink: FrameSink? = outputKind == .blocking ? DescriptorSink(descriptor: output) : nil
        let connection: RPCConnection<Session>
        switch (inputKind, outputKind) {
        case (.pollable, .pollable):
            connection = try await pipeConnection(NIOPipeBootstrap(group: group)) {
                $0.takingOwnershipOfDescriptors(input: input, output: output)
            }
        case (.pollable, .blocking):
            connection = try await pipeConnection(NIOPipeBootstrap(group: group), sink: fileSink) {
                $0.takingOwnershipOfDescriptor(input: input)
            }
        case (.blocking, _):
            let outputSink: FrameSink
            if let fileSink {
                outputSink = fileSink
            } else {
                let channel = try await NIOPipeBootstrap(group: group).takingOwnershipOfDescriptor(output: output).get()
                outputSink = ChannelSink(channel: channel)
            }
            let reader = DescriptorReader()
            connection = makeConnection(peer: .stdio, sink: outputSink, pacing: reader)
            reader.start(descriptor: input, feeding: connection)
        }
        await connection.waitUntilFinished()
    }

    /// A connection over a NIO pipe channel; `sink` overrides where replies go.
    private func pipeConnection(
        _ bootstrap: NIOPipeBootstrap, sink: FrameSink? = nil,
        open: (NIOPipeBootstrap) -> EventLoopFuture<Channel>
    ) async throws -> RPCConnection<Session> {
        let made = Mutex<RPCConnection<Session>?>(nil)
        let configured = bootstrap.channelOption(.allowRemoteHalfClosure, value: true).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let handler = RPCChannelHandler<Session>(repliesOverChannel: sink == nil) { channel, pacing in
                    let connection = self.makeConnection(
                        peer: .stdio, sink: sink ?? ChannelSink(channel: channel), pacing: pacing,
                        eventLoop: channel.eventLoop)
                    made.withLock { $0 = connection }
                    return connection
                }
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        _ = try await open(configured).get()
        guard let connection = made.withLock({ $0 }) else {
            throw InternalFailure("stdio channel set up without a connection")
        }
        return connection
    }

    func makeConnection(
        peer: PeerKind, sink: FrameSink, pacing: InputPacing, eventLoop: (any EventLoop)? = nil
    ) -> RPCConnection<Session> {
        let connection = RPCConnection(
            registry: registry, session: makeSession(peer), options: options, sink: sink, pacing: pacing,
            executor: eventLoop.map { EventLoopTaskExecutor(eventLoop: $0) }, logger: logger)
        live.withLock { $0.connections[ObjectIdentifier(connection)] = connection }
        return connection
    }

    func forget(_ connection: RPCConnection<Session>) {
        _ = live.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// Starts a TCP listener; returns the bound address ("127.0.0.1:PORT", port resolved).
    public func listenTCP(host: String, port: Int) async throws -> String {
        let channel = try await serverBootstrap { channel in
            .tcp(remote: channel.remoteAddress.map { "\($0)" } ?? "unknown")
        }.bind(host: host, port: port).get()
        live.withLock { $0.listeners.append(channel) }
        let bound = channel.localAddress
        return "\(bound?.ipAddress ?? host):\(bound?.port ?? port)"
    }

    /// Starts a Unix socket listener at `path`, readable and writable by its owner only.
    public func listenUnix(path: String) async throws {
        let oldMask = umask(0o177)
        defer { umask(oldMask) }
        let channel = try await serverBootstrap { _ in .unix }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        chmod(path, 0o600)
        live.withLock { $0.listeners.append(channel) }
    }

    private func serverBootstrap(peer: @escaping @Sendable (Channel) -> PeerKind) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RPCChannelHandler<Session> { channel, pacing in
                        let connection = self.makeConnection(
                            peer: peer(channel), sink: ChannelSink(channel: channel), pacing: pacing,
                            eventLoop: channel.eventLoop)
                        channel.closeFuture.whenComplete { _ in self.forget(connection) }
                        return connection
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
    }

    /// Graceful stop: listeners close, every connection stops reading and its
    /// running requests get `drainTimeout` to finish.
    public func shutdown() async {
        let (listeners, connections) = live.withLock { ($0.listeners, Array($0.connections.values)) }
        for listener in listeners { try? await listener.close() }
        for connection in connections { connection.shutdown() }
        await withTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.waitUntilFinished() } }
        }
    }
}
