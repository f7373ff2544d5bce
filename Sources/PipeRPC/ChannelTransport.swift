import Logging
import NIOCore
import Synchronization

/// Carries one connection over a NIO channel (a pipe pair, TCP or a Unix
/// socket): bytes in, frames out, reads held while the connection is paced.
final class RPCChannelHandler<Session: Sendable>: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let makeConnection: (Channel, ChannelPacing) -> RPCConnection<Session>
    /// False when replies leave by another route (stdin as a pipe, stdout a
    /// file): then the channel closing only means the input ended.
    private let repliesOverChannel: Bool
    private var connection: RPCConnection<Session>?
    private var readingPaused = false
    private var readPending = false
    private var context: ChannelHandlerContext?

    init(repliesOverChannel: Bool = true, makeConnection: @escaping (Channel, ChannelPacing) -> RPCConnection<Session>)
    {
        self.repliesOverChannel = repliesOverChannel
        self.makeConnection = makeConnection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let pacing = ChannelPacing(handler: NIOLoopBound(self, eventLoop: context.eventLoop))
        connection = makeConnection(context.channel, pacing)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { connection?.receive($0) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            connection?.inputClosed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if repliesOverChannel {
            // The peer is gone: nobody is left to answer.
            connection?.cancelAll(reason: "the peer disconnected")
        }
        connection?.inputClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        connection?.logger.warning("connection error: \(error)")
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if readingPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    fileprivate func setReadingPaused(_ paused: Bool) {
        readingPaused = paused
        if !paused, readPending, let context {
            readPending = false
            context.read()
        }
    }
}

/// Hops pacing decisions onto the channel's event loop.
struct ChannelPacing: InputPacing {
    fileprivate let handler: any PacingTarget

    fileprivate init<Session>(handler: NIOLoopBound<RPCChannelHandler<Session>>) {
        self.handler = LoopBoundPacing(handler: handler)
    }

    func setReadingPaused(_ paused: Bool) { handler.setReadingPaused(paused) }
}

private protocol PacingTarget: Sendable {
    func setReadingPaused(_ paused: Bool)
}

private struct LoopBoundPacing<Session: Sendable>: PacingTarget {
    let handler: NIOLoopBound<RPCChannelHandler<Session>>

    func setReadingPaused(_ paused: Bool) {
        let handler = self.handler
        handler.eventLoop.execute { handler.value.setReadingPaused(paused) }
    }
}

/// Writes frames to a channel. Frames queued while a flush is pending ride
/// along with it, so a burst of replies costs one system call, not one each.
final class ChannelSink: FrameSink {
    private let channel: Channel
    private let pending = Mutex<Pending>(Pending())

    private struct Pending {
        var bytes: [UInt8] = []
        var flushScheduled = false
        /// The newest write handed to NIO; writes complete in order, so when
        /// it completes every earlier one has.
        var lastWrite: EventLoopFuture<Void>?
    }

    init(channel: Channel) {
        self.channel = channel
    }

    func write(_ bytes: [UInt8]) {
        let schedule = pending.withLock { pending in
            pending.bytes.append(contentsOf: bytes)
            if pending.flushScheduled { return false }
            pending.flushScheduled = true
            return true
        }
        if schedule {
            channel.eventLoop.execute { self.flush() }
        }
    }

    func finish() async {
        let closed = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            self.flush()
            let lastWrite = self.pending.withLock { $0.lastWrite } ?? self.channel.eventLoop.makeSucceededVoidFuture()
            lastWrite.whenComplete { _ in
                self.channel.close().whenComplete { _ in closed.succeed() }
            }
        }
        try? await closed.futureResult.get()
    }

    /// Writes what is queued; runs on the event loop.
    private func flush() {
        let bytes = pending.withLock { pending in
            pending.flushScheduled = false
            defer { pending.bytes = [] }
            return pending.bytes
        }
        guard !bytes.isEmpty else { return }
        let written = channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
        pending.withLock { $0.lastWrite = written }
    }
}
