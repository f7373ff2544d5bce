import Foundation
import Testing

/// A small deterministic generator (SplitMix64): a failing run names its seed
/// and the same junk comes back.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random and mutated JSON-RPC message bodies: garbage, truncated and mutated
/// requests, huge numbers, deep nesting, invalid UTF-8, batches of junk.
struct JunkMaker {
    var random: SeededGenerator

    static let validBodies = [
        #"{"jsonrpc":"2.0","id":1,"method":"session.ping"}"#,
        #"{"jsonrpc":"2.0","id":"x","method":"session.info","params":{}}"#,
        #"{"jsonrpc":"2.0","id":2,"method":"session.ping","params":[]}"#,
        #"[{"jsonrpc":"2.0","id":3,"method":"session.ping"},{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":3}}]"#,
        #"{"jsonrpc":"2.0","id":4,"method":"repo.status","params":{"repo":"/nonexistent/r","pipe":"p"}}"#,
    ]

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &random) }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }

    mutating func valid() -> [UInt8] { Array(Self.validBodies[int(0..<Self.validBodies.count)].utf8) }

    /// One junk body; `lines` keeps newlines out (each body stays one line).
    mutating func body(lines: Bool) -> [UInt8] {
        var body: [UInt8]
        switch int(0..<9) {
        case 0: body = bytes(int(1..<200))
        case 1:
            let whole = valid()
            body = Array(whole.prefix(int(1..<whole.count)))
        case 2:
            body = valid()
            for _ in 0..<int(1..<6) { body[int(0..<body.count)] = UInt8.random(in: 0...255, using: &random) }
        case 3:
            let digits = String(repeating: "9", count: int(20..<2000))
            let number = [digits, "-" + digits, "1e" + digits, "0." + digits + "e-99999", "1" + digits + ".5"][
                int(0..<5)]
            body = Array(
                #"{"jsonrpc":"2.0","id":\#(number),"method":"session.ping","params":{"delay_ms":\#(number)}}"#.utf8)
        case 4:
            let depth = int(100..<20_000)
            let (open, close) = int(0..<2) == 0 ? ("[", "]") : (#"{"a":"#, "}")
            body = Array((String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)).utf8)
        case 5:
            body =
                Array(#"{"jsonrpc":"2.0","id":"#.utf8) + [0x22] + bytes(int(1..<12)).map { $0 | 0x80 } + [0x22]
                + Array(#","method":"session.ping"}"#.utf8)
        case 6:
            let members = (0..<int(1..<20)).map { _ -> String in
                ["1", "null", "\"x\"", "[]", "{}", "{\"jsonrpc\":\"2.0\"}", "{\"id\":5}", "{\"method\":7}", "true"][
                    int(0..<9)]
            }
            body = Array(("[" + members.joined(separator: ",") + "]").utf8)
        case 7:
            body = Array(
                ["", "[]", "{}", "null", "\"\"", "1", "[[]]", "{\"jsonrpc\":\"2.0\",\"id\":{}}"][int(0..<8)].utf8)
        default:
            body = Array(#"{"jsonrpc":"2.0","id":9,"method":"\#(String(repeating: "m", count: int(1..<300)))"}"#.utf8)
        }
        if lines { body = body.map { $0 == 0x0A ? 0x20 : $0 } }
        return body
    }

    /// A frame for a Content-Length stream that keeps the stream in step: a
    /// right length with a junk body, or a refused charset.
    mutating func contentLengthFrame() -> [UInt8] {
        let body = self.body(lines: false)
        switch int(0..<4) {
        case 0:
            return Array("Content-Length: \(body.count)\r\nContent-Type: text/plain; charset=latin1\r\n\r\n".utf8)
                + body
        case 1:
            return Array("content-length:\(body.count)\nX-Junk: \(int(0..<99))\n\n".utf8) + body
        default:
            return Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        }
    }
}

@Suite("Random and mutated messages", .timeLimit(.minutes(3)))
struct MessageFuzzTests {
    static let junkCount = 300

    /// Reads until the reply to `id`, checking every frame on the way is JSON-RPC.
    static func expectPong(_ rpc: RPCPeer, id: String, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let reply = try await rpc.call("session.ping", id: id, timeout: .seconds(60))
        #expect(reply.resultObject?["pong"] as? Bool == true, "seed \(seed): \(reply)", sourceLocation: sourceLocation)
    }

    @Test("stdio: junk lines, then a ping is answered and the bridge exits 0", arguments: [UInt64(1), 2, 3])
    func stdioLines(seed: UInt64) async throws {
        let bridge = try StdioBridge(framing: .lines)
        defer { bridge.process.kill() }
        var junk = JunkMaker(random: SeededGenerator(seed: seed))
        // A valid request first fixes the framing, as any real client does.
        try await Self.expectPong(bridge.rpc, id: #""first""#, seed: seed)
        for _ in 0..<Self.junkCount { try bridge.rpc.sendRaw(junk.body(lines: true) + [0x0A]) }
        try await Self.expectPong(bridge.rpc, id: #""after-junk""#, seed: seed)
        bridge.process.closeStdin()
        let status = try await bridge.process.waitForExit(timeout: .seconds(60))
        #expect(status == .exited(0), "seed \(seed); stderr: \(bridge.process.stderr.text.suffix(1500))")
    }

    @Test(
        "stdio: junk Content-Length frames, then a ping is answered and the bridge exits 0", arguments: [UInt64(4), 5])
    func stdioContentLength(seed: UInt64) async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        var junk = JunkMaker(random: SeededGenerator(seed: seed))
        try await Self.expectPong(bridge.rpc, id: #""first""#, seed: seed)
        for _ in 0..<Self.junkCount { try bridge.rpc.sendRaw(junk.contentLengthFrame()) }
        try await Self.expectPong(bridge.rpc, id: #""after-junk""#, seed: seed)
        bridge.process.closeStdin()
        let status = try await bridge.process.waitForExit(timeout: .seconds(60))
        #expect(status == .exited(0), "seed \(seed); stderr: \(bridge.process.stderr.text.suffix(1500))")
    }

    @Test("TCP: junk before and after session.authenticate, broken framing on other connections; the bridge serves on")
    func tcp() async throws {
        let seed: UInt64 = 6
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let token = try bridge.token()
        var junk = JunkMaker(random: SeededGenerator(seed: seed))

        // Unauthenticated junk: refused, and authenticating afterwards still works.
        let client = try bridge.connect()
        defer { client.close() }
        let rpc = client.peer(.lines)
        try rpc.send(RPCPeer.request("session.ping", id: "0"))
        for _ in 0..<Self.junkCount / 2 { try rpc.sendRaw(junk.body(lines: true) + [0x0A]) }
        let auth = try await TCPTests.authenticate(rpc, token: token)
        #expect(auth.resultObject?["ok"] as? Bool == true, "\(auth)")
        for _ in 0..<Self.junkCount / 2 { try rpc.sendRaw(junk.body(lines: true) + [0x0A]) }
        try await Self.expectPong(rpc, id: #""after-junk""#, seed: seed)

        // Connections whose framing cannot be followed are closed; others are not affected.
        let brokenHeaders = [
            "Content-Length: abc\r\n\r\n{}", "X-Nothing: 1\r\n\r\n{}", "Content-Length: -5\r\n\r\n",
            "Content-Length: 99999999999999999999999\r\n\r\n", "no colon at all\r\n\r\n", "\u{0}\u{1}\u{2}\r\n\r\n",
        ]
        for header in brokenHeaders {
            let broken = try bridge.connect()
            defer { broken.close() }
            try broken.write(Array(header.utf8))
            _ = try await broken.input.waitForEnd(timeout: .seconds(60))
        }
        let garbage = try bridge.connect()
        try garbage.write(junk.bytes(64 * 1024))
        garbage.close()

        try await Self.expectPong(rpc, id: #""after-broken-connections""#, seed: seed)
        let fresh = try bridge.connect()
        defer { fresh.close() }
        let freshRPC = fresh.peer(.contentLength)
        #expect(try await TCPTests.authenticate(freshRPC, token: token).resultObject?["ok"] as? Bool == true)
        for _ in 0..<Self.junkCount / 2 { try freshRPC.sendRaw(junk.contentLengthFrame()) }
        try await Self.expectPong(freshRPC, id: #""fresh""#, seed: seed)
        #expect(bridge.process.exitStatus == nil, "the bridge ended: \(bridge.process.stderr.text.suffix(1500))")
        #expect(!bridge.process.stderr.text.contains(token), "the token is in the bridge's log")
    }
}
