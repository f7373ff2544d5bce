// libFuzzer target: the dispatcher (PipeRPC.RPCConnection with a MethodRegistry)
// fed arbitrary bytes as one peer's input, then end of input.
// Invariants: no crash; the connection finishes; everything it writes is
// well-framed (in the peer's framing) and every reply is a JSON-RPC 2.0 object
// or a batch of them.
import Dispatch
import Logging
import PipeJSON
import PipeRPC
import Synchronization

enum Echo: RPCMethod {
    static let name = "test.echo"
    static let params: [ParamSpec] = [.required("text"), .optional("times")]
    struct Params: Decodable, Sendable {
        var text: String
        var times: Int?
    }
    typealias Result = String
}

enum Boom: RPCMethod {
    static let name = "test.boom"
    typealias Result = Bool
}

enum Locked: RPCMethod {
    static let name = "test.locked"
    typealias Result = Bool
}

struct Refused: Error {}

let registry: MethodRegistry<Int> = {
    var registry = MethodRegistry<Int>()
    registry.register(Echo.self) { params, context in
        context.log(.info, "echo")
        return String(repeating: params.text, count: min(max(params.times ?? 1, 0), 4))
    }
    registry.register(Boom.self) { _, _ in throw RPCError.invalidParams("boom") }
    registry.register(Locked.self) { _, _ in true }
    registry.gate = { method, _ in
        if method == Locked.name { throw RPCError.invalidRequest("locked") }
    }
    return registry
}()

/// Keeps what the connection writes.
final class CollectingSink: FrameSink {
    let written = Mutex<[UInt8]>([])
    func write(_ bytes: [UInt8]) { written.withLock { $0.append(contentsOf: bytes) } }
    func finish() async {}
}

func checkReply(_ value: JSON, inBatch: Bool) {
    switch value {
    case .object(let object):
        precondition(object["jsonrpc"] == .string("2.0"), "reply without jsonrpc 2.0: \(value)")
        precondition(object["result"] != nil || object["error"] != nil || object["method"] != nil, "empty reply")
    case .array(let elements) where !inBatch:
        precondition(!elements.isEmpty, "empty batch reply")
        for element in elements { checkReply(element, inBatch: true) }
    default:
        preconditionFailure("reply is not an object or a batch: \(value)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDispatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let sink = CollectingSink()
    let options = ConnectionOptions(maxMessageBytes: 512, maxInFlight: 2, maxQueued: 4, drainTimeout: .seconds(5))
    let connection = RPCConnection(
        registry: registry, session: 0, options: options, sink: sink,
        logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
    // Two reads, split where the first byte says, as a transport would deliver them.
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    connection.receive(bytes[..<cut])
    connection.receive(bytes[cut...])
    connection.inputClosed()
    let done = DispatchSemaphore(value: 0)
    Task {
        await connection.waitUntilFinished()
        done.signal()
    }
    done.wait()

    var replies = FrameDecoder(maxMessageBytes: 1 << 20)
    replies.feed(sink.written.withLock { $0 })
    while let event = replies.next() {
        guard case .message(let body) = event else { preconditionFailure("badly framed output: \(event)") }
        do {
            checkReply(try JSON.parse(body), inBatch: false)
        } catch {
            preconditionFailure("reply is not JSON: \(error)")
        }
    }
    precondition(replies.bufferedByteCount == 0, "output ends inside a frame")
    return 0
}
