import Foundation
import Synchronization

/// The client end of one bridge connection (stdio, TCP or Unix socket): frames
/// what it sends in its framing, and reads the bridge's frames in the same
/// framing, checking every one is a JSON-RPC message.
final class RPCPeer: Sendable {
    let framing: Framing
    let input: ByteStream
    private let writer: @Sendable ([UInt8]) throws -> Void
    /// Messages read while looking for another one, handed out first later.
    private let stash = Mutex<[Message]>([])

    static let defaultTimeout: Duration = .seconds(60)

    init(framing: Framing, input: ByteStream, writer: @escaping @Sendable ([UInt8]) throws -> Void) {
        self.framing = framing
        self.input = input
        self.writer = writer
    }

    // MARK: Sending

    /// Writes bytes exactly as given (no framing added).
    func sendRaw(_ bytes: [UInt8]) throws { try writer(bytes) }
    func sendRaw(_ text: String) throws { try writer(Array(text.utf8)) }

    /// Frames one message body and writes it.
    func send(_ body: String) throws { try writer(framing.frame(body)) }
    func send(_ body: [UInt8]) throws { try writer(framing.frame(body)) }

    /// A request text; `params` and `id` are raw JSON texts.
    static func request(_ method: String, params: String? = nil, id: String) -> String {
        var text = #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)""#
        if let params { text += #","params":\#(params)"# }
        return text + "}"
    }

    static func notification(_ method: String, params: String? = nil) -> String {
        var text = #"{"jsonrpc":"2.0","method":"\#(method)""#
        if let params { text += #","params":\#(params)"# }
        return text + "}"
    }

    /// Sends a request and waits for its reply (notifications before it are skipped).
    func call(_ method: String, params: String? = nil, id: String, timeout: Duration = defaultTimeout) async throws
        -> Message
    {
        try send(Self.request(method, params: params, id: id))
        return try await reply(to: id, timeout: timeout).reply
    }

    // MARK: Receiving

    /// The next message, or nil at a clean end of the bridge's output.
    func nextOrEnd(timeout: Duration = defaultTimeout) async throws -> Message? {
        let stashed = stash.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        if let stashed { return stashed }
        guard let body = try await input.nextFrame(framing, timeout: timeout) else { return nil }
        return try Message(raw: body)
    }

    /// The next message; end of output is an error.
    func next(timeout: Duration = defaultTimeout) async throws -> Message {
        guard let message = try await nextOrEnd(timeout: timeout) else {
            throw HarnessError("the bridge closed its output while a message was expected")
        }
        return message
    }

    /// Reads until the response whose raw id is `rawID`; returns it with the
    /// notifications read on the way. Other responses are kept for later reads.
    func reply(to rawID: String, timeout: Duration = defaultTimeout) async throws -> (
        reply: Message, notifications: [Message]
    ) {
        let deadline = ContinuousClock.now + timeout
        var notifications: [Message] = []
        var others: [Message] = []
        defer { if !others.isEmpty { stash.withLock { $0.insert(contentsOf: others, at: 0) } } }
        // Look in the stash first.
        let stashed: Message? = stash.withLock { stash in
            guard let index = stash.firstIndex(where: { !$0.isBatch && $0.rawID == rawID && $0.isResponse }) else {
                return nil
            }
            return stash.remove(at: index)
        }
        if let stashed { return (stashed, []) }
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw HarnessError("timed out waiting for the reply to id \(rawID)") }
            guard let body = try await input.nextFrame(framing, timeout: remaining) else {
                throw HarnessError("the bridge closed its output before replying to id \(rawID)")
            }
            let message = try Message(raw: body)
            if message.isNotification {
                notifications.append(message)
            } else if !message.isBatch, message.rawID == rawID {
                return (message, notifications)
            } else {
                others.append(message)
            }
        }
    }

    /// Reads every message up to the end of the bridge's output.
    func readToEnd(timeout: Duration = defaultTimeout) async throws -> [Message] {
        var messages: [Message] = []
        while let message = try await nextOrEnd(timeout: timeout) { messages.append(message) }
        return messages
    }
}

extension Message {
    /// The batch members by raw id.
    func batchByID() -> [String: Message] {
        var members: [String: Message] = [:]
        for member in batch ?? [] { members[member.rawID ?? "?"] = member }
        return members
    }
}
