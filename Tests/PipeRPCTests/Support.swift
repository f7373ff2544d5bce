import Logging
import PipeJSON
import Synchronization
import Testing

@testable import PipeRPC

/// An in-memory transport: frames written by the connection arrive in `frames`.
final class MemorySink: FrameSink {
    let frames: AsyncStream<[UInt8]>
    private let continuation: AsyncStream<[UInt8]>.Continuation
    let finished = Mutex(false)

    init() {
        (frames, continuation) = AsyncStream.makeStream()
    }

    func write(_ bytes: [UInt8]) { continuation.yield(bytes) }

    func finish() async {
        finished.withLock { $0 = true }
        continuation.finish()
    }
}

final class RecordingPacing: InputPacing {
    let changes = Mutex<[Bool]>([])
    func setReadingPaused(_ paused: Bool) { changes.withLock { $0.append(paused) } }
}

/// Reads NDJSON replies one line at a time.
struct ReplyReader {
    var iterator: AsyncStream<[UInt8]>.Iterator

    init(_ sink: MemorySink) { iterator = sink.frames.makeAsyncIterator() }

    mutating func next() async throws -> JSON {
        guard var frame = await iterator.next() else { throw EndOfReplies() }
        #expect(frame.last == UInt8(ascii: "\n"))
        frame.removeLast()
        return try JSON.parse(frame)
    }

    mutating func atEnd() async -> Bool { await iterator.next() == nil }
}

struct EndOfReplies: Error {}

/// One-shot gates a test opens to let a handler go on.
final class Latch: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func open() { continuation.yield(); continuation.finish() }

    func wait() async { for await _ in stream { return } }
}

// Test methods: each exercises one path of the engine.
enum Echo: RPCMethod {
    static let name = "test.echo"
    static let params: [ParamSpec] = [.required("text"), .optional("times")]
    struct Params: Decodable, Sendable {
        var text: String
        var times: Int?
    }
    typealias Result = String
}

enum Hang: RPCMethod {
    static let name = "test.hang"
    typealias Result = Bool
}

enum Boom: RPCMethod {
    static let name = "test.boom"
    typealias Result = Bool
}

enum Progressing: RPCMethod {
    static let name = "test.progress"
    typealias Result = Int
}

struct SecretFailure: Error, CustomStringConvertible {
    var description: String { "database password is hunter2" }
}

struct Refused: Error, RPCErrorConvertible {
    var rpcError: RPCError { RPCError(code: -32001, message: "no", data: ["type": "AuthRequired"]) }
}

/// Session for tests: `allowed` decides what the gate lets through.
struct TestSession: Sendable {
    var allowed: Bool = true
}

func makeRegistry(started: Latch? = nil, release: Latch? = nil) -> MethodRegistry<TestSession> {
    var registry = MethodRegistry<TestSession>()
    registry.register(Echo.self) { params, _ in
        String(repeating: params.text, count: params.times ?? 1)
    }
    registry.register(Hang.self) { _, _ in
        started?.open()
        if let release {
            await release.wait()
            return true
        }
        try await Task.sleep(for: .seconds(3600))
        return true
    }
    registry.register(Boom.self) { _, _ in throw SecretFailure() }
    registry.register(Progressing.self) { _, context in
        context.progress(ProgressReport(kind: .begin, message: "start", filesTotal: 2))
        context.log(.warning, "careful")
        context.progress(ProgressReport(kind: .end, filesDone: 2, filesTotal: 2))
        return 2
    }
    registry.gate = { method, session in
        if !session.allowed && method != Echo.name { throw Refused() }
    }
    return registry
}

func makeConnection(
    registry: MethodRegistry<TestSession> = makeRegistry(), session: TestSession = TestSession(),
    options: ConnectionOptions = ConnectionOptions(), pacing: InputPacing? = nil
) -> (RPCConnection<TestSession>, MemorySink) {
    let sink = MemorySink()
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let connection = RPCConnection(
        registry: registry, session: session, options: options, sink: sink, pacing: pacing, logger: logger)
    return (connection, sink)
}

extension RPCConnection {
    func send(_ line: String) { receive(Array((line + "\n").utf8)) }
}
