import Logging
import PipeJSON
import Synchronization

/// One peer's JSON-RPC session: turns the bytes a transport reads into
/// requests, runs each request in its own Task, and writes every reply once,
/// in the framing the peer used.
///
/// The transport calls `receive(_:)` serially with what it reads and
/// `inputClosed()` at end of input; everything else is thread-safe.
public final class RPCConnection<Session: Sendable>: Sendable {
    let registry: MethodRegistry<Session>
    let session: Session
    let options: ConnectionOptions
    let sink: FrameSink
    let pacing: InputPacing?
    let logger: Logger
    /// Where request Tasks run; nil means the global concurrent executor.
    let executor: (any TaskExecutor)?
    let state: Mutex<ConnectionState>
    /// Touched only by `receive`, which the transport calls serially.
    let decoder: Mutex<FrameDecoder>

    public init(
        registry: MethodRegistry<Session>, session: Session, options: ConnectionOptions = ConnectionOptions(),
        sink: FrameSink, pacing: InputPacing? = nil, executor: (any TaskExecutor)? = nil, logger: Logger
    ) {
        self.executor = executor
        self.registry = registry
        self.session = session
        self.options = options
        self.sink = sink
        self.pacing = pacing
        self.logger = logger
        self.state = Mutex(ConnectionState())
        self.decoder = Mutex(FrameDecoder(maxMessageBytes: options.maxMessageBytes))
    }

    // MARK: Input

    /// Feeds bytes read from the peer.
    public func receive<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        var events: [FrameEvent] = []
        let style: FramingStyle? = decoder.withLock { decoder in
            decoder.feed(bytes)
            while let event = decoder.next() { events.append(event) }
            return decoder.style
        }
        guard let style else { return }
        state.withLock { $0.style = style }
        for event in events { handle(event) }
    }

    /// The peer will send nothing more: finish what runs, then close.
    public func inputClosed() {
        let alreadyClosed = state.withLock { $0.inputClosed.reached }
        guard !alreadyClosed else { return }
        let pending = decoder.withLock { $0.bufferedByteCount }
        if pending > 0 {
            logger.warning("input ended inside a message; \(pending) bytes of an incomplete message were dropped")
        }
        markInputClosed()
    }

    func markInputClosed() {
        let waiters = state.withLock { $0.inputClosed.reach() }
        for waiter in waiters { waiter.resume() }
        finishIfIdle()
    }

    private func handle(_ event: FrameEvent) {
        switch event {
        case .message(let body):
            handleMessage(body)
        case .oversized(let bytes, let limit):
            logger.warning("refused a message of \(bytes) bytes (limit \(limit))")
            send(
                OutgoingMessage.failure(
                    id: .null,
                    error: .invalidRequest(
                        "message of \(bytes) bytes exceeds the limit of \(limit) bytes (--max-message-bytes)")))
        case .badHeader(let reason):
            logger.warning("refused a message: \(reason)")
            send(OutgoingMessage.failure(id: .null, error: .invalidRequest(reason)))
        case .fatal(let reason):
            logger.error("closing the connection: \(reason)")
            send(OutgoingMessage.failure(id: .null, error: .parseError("\(reason); closing the connection")))
            pacing?.setReadingPaused(true)
            markInputClosed()
        }
    }

    private func handleMessage(_ body: [UInt8]) {
        let value: JSON
        do {
            value = try JSON.parse(body, limits: JSONParseLimits(maxBytes: options.maxMessageBytes))
        } catch {
            send(OutgoingMessage.failure(id: .null, error: .parseError(error.description)))
            return
        }
        guard case .array(let elements) = value else {
            accept(IncomingMessage(value), replyTo: .single)
            return
        }
        guard !elements.isEmpty else {
            send(OutgoingMessage.failure(id: .null, error: .invalidRequest("empty batch")))
            return
        }
        let messages = elements.map(IncomingMessage.init)
        let answered = messages.filter(\.wantsReply).count
        let batch = answered > 0 ? BatchReply(expected: answered) : nil
        for message in messages {
            accept(message, replyTo: batch.map(ReplyTarget.batch) ?? .none)
        }
    }

    private func accept(_ message: IncomingMessage, replyTo target: ReplyTarget) {
        switch message {
        case .request(let id, let method, let params):
            enqueue(Call(id: id, method: method, params: params, target: target))
        case .notification(let method, let params):
            if method == "$/cancelRequest" {
                cancel(params)
            } else if method.hasPrefix("$/") {
                logger.debug("ignored notification \(method)")
            } else {
                enqueue(Call(id: .null, method: method, params: params, target: .none))
            }
        case .response:
            logger.debug("ignored a response: the bridge sends no requests")
        case .invalid(let id, let error):
            deliver(OutgoingMessage.failure(id: id, error: error), to: target)
        }
    }

    // MARK: Output

    /// Frames one message body and queues it for the peer.
    func send(_ body: [UInt8]) {
        let style = state.withLock { $0.style } ?? .lines
        sink.write(FrameEncoder.frame(body, style: style))
    }

    func deliver(_ reply: [UInt8], to target: ReplyTarget) {
        switch target {
        case .none: break
        case .single: send(reply)
        case .batch(let batch):
            if let complete = batch.add(reply) { send(OutgoingMessage.batch(complete)) }
        }
    }
}

/// Where a call's reply goes.
enum ReplyTarget: Sendable {
    /// Notifications: no reply at all.
    case none
    case single
    case batch(BatchReply)
}

/// Collects the replies of one batch; the batch is answered once all are in.
final class BatchReply: Sendable {
    private let collected: Mutex<(expected: Int, replies: [[UInt8]])>

    init(expected: Int) {
        collected = Mutex((expected, []))
    }

    /// Adds one reply; returns all of them when it was the last.
    func add(_ reply: [UInt8]) -> [[UInt8]]? {
        collected.withLock { state in
            state.replies.append(reply)
            return state.replies.count == state.expected ? state.replies : nil
        }
    }
}

extension IncomingMessage {
    var wantsReply: Bool {
        switch self {
        case .request, .invalid: true
        case .notification, .response: false
        }
    }
}
