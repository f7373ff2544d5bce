import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("Shutdown", .timeLimit(.minutes(1)))
struct ShutdownTests {
    static let slowPing = RPCPeer.request("session.ping", params: #"{"delay_ms":500}"#, id: #""inflight""#)

    @Test(
        "stdin EOF while session.ping {delay_ms: 500} runs: its result arrives, then exit 0",
        arguments: [Framing.lines, .contentLength])
    func eofDrains(framing: Framing) async throws {
        let bridge = try StdioBridge(framing: framing)
        defer { bridge.process.kill() }
        try bridge.rpc.send(Self.slowPing)
        try await CancellationTests.waitForBegin(bridge.rpc, token: #""inflight""#)
        bridge.process.closeStdin()
        let (reply, notes) = try await bridge.rpc.reply(to: #""inflight""#)
        #expect(reply.resultObject?["waited_ms"] as? Int == 500, "\(reply)")
        #expect(notes.last?.params?["kind"] as? String == "end")
        #expect(try await bridge.rpc.readToEnd().isEmpty)
        #expect(try await bridge.process.waitForExit() == .exited(0))
    }

    @Test(
        "SIGTERM (and SIGINT) to a stdio bridge while a ping runs: its result arrives, then exit 0",
        arguments: [SIGTERM, SIGINT])
    func sigtermStdio(signal: Int32) async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(Self.slowPing)
        try await CancellationTests.waitForBegin(bridge.rpc, token: #""inflight""#)
        bridge.process.signal(signal)
        let (reply, _) = try await bridge.rpc.reply(to: #""inflight""#)
        #expect(reply.resultObject?["waited_ms"] as? Int == 500, "\(reply)")
        #expect(try await bridge.rpc.readToEnd().isEmpty)
        #expect(try await bridge.process.waitForExit() == .exited(0))
    }

    @Test("--drain-timeout 1: a request still running at EOF is cancelled (-32800) after about a second, exit 0")
    func drainTimeout() async throws {
        let bridge = try StdioBridge(["--drain-timeout", "1"])
        defer { bridge.process.kill() }
        try bridge.rpc.send(RPCPeer.request("session.ping", params: #"{"delay_ms":60000}"#, id: "1"))
        try await CancellationTests.waitForBegin(bridge.rpc, token: "1")
        let closed = ContinuousClock.now
        bridge.process.closeStdin()
        let (reply, _) = try await bridge.rpc.reply(to: "1", timeout: .seconds(90))
        let waited = ContinuousClock.now - closed
        #expect(reply.errorCode == -32800, "\(reply)")
        #expect(waited >= .milliseconds(900), "answered after \(waited), before the drain timeout")
        #expect(waited < .seconds(45), "answered after \(waited), the delay was 60 s")
        #expect(try await bridge.rpc.readToEnd().isEmpty)
        #expect(try await bridge.process.waitForExit() == .exited(0))
    }

    @Test("stdin EOF right after a request with a large (10 MB) reply: the whole reply is written before exit")
    func largeReplyAtEOF() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        // The -32602 reply quotes the 5 MB param name twice (message and data.path).
        let name = String(repeating: "n", count: 5_000_000)
        try bridge.rpc.send(RPCPeer.request("session.ping", params: #"{"\#(name)":1}"#, id: "1"))
        bridge.process.closeStdin()
        let messages = try await bridge.rpc.readToEnd(timeout: .seconds(30))
        #expect(
            messages.count == 1,
            "got \(messages.count) messages, \(bridge.process.stdout?.inbox.withState { $0.totalReceived } ?? 0) bytes on stdout"
        )
        #expect(messages.first?.errorCode == -32602)
        #expect(try await bridge.process.waitForExit() == .exited(0))
    }

    @Test("SIGTERM to a TCP server: a running request finishes, then exit 0")
    func sigtermTCP() async throws {
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let client = try bridge.connect()
        defer { client.close() }
        let rpc = client.peer(.lines)
        #expect(try await TCPTests.authenticate(rpc, token: try bridge.token()).hasResult)
        try rpc.send(Self.slowPing)
        try await CancellationTests.waitForBegin(rpc, token: #""inflight""#)
        bridge.process.signal(SIGTERM)
        let (reply, _) = try await rpc.reply(to: #""inflight""#)
        #expect(reply.resultObject?["waited_ms"] as? Int == 500, "\(reply)")
        #expect(try await rpc.readToEnd().isEmpty, "the server closes the connection")
        #expect(try await bridge.process.waitForExit() == .exited(0))
        #expect(throws: (any Error).self, "nothing listens any more") { try bridge.connect() }
    }

    @Test("SIGTERM to an idle TCP server: exit 0")
    func sigtermIdleTCP() async throws {
        let bridge = try await ListeningBridge.tcp(["--no-auth"], in: ScratchDirectory())
        defer { bridge.process.kill() }
        bridge.process.signal(SIGTERM)
        #expect(try await bridge.process.waitForExit() == .exited(0))
    }

    @Test("a TCP client that half-closes still gets the reply of its running request")
    func tcpHalfClose() async throws {
        let bridge = try await ListeningBridge.tcp(["--no-auth"], in: ScratchDirectory())
        defer { bridge.process.kill() }
        let client = try bridge.connect()
        defer { client.close() }
        let rpc = client.peer(.lines)
        try rpc.send(Self.slowPing)
        try await CancellationTests.waitForBegin(rpc, token: #""inflight""#)
        client.shutdownWrite()
        let (reply, _) = try await rpc.reply(to: #""inflight""#)
        #expect(reply.resultObject?["waited_ms"] as? Int == 500, "\(reply)")
        #expect(try await rpc.readToEnd().isEmpty, "then the bridge closes the connection")
        // The server itself keeps running.
        let other = try bridge.connect()
        defer { other.close() }
        #expect(try await other.peer(.lines).call("session.info", id: "1").hasResult)
    }
}
