import Foundation
import Testing

/// Hostile or broken input: each gets an error reply (or a clean close), and a
/// plain request afterwards is still served. The bridge never dies.
@Suite("Bad input", .timeLimit(.minutes(1)))
struct RobustnessTests {
    @Test(
        "invalid JSON, then a normal request",
        arguments: [
            #"{"jsonrpc":"2.0","id":1,"method":"#,
            #"{"jsonrpc":"2.0","id":1,"method":"session.info",}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"session.info"} trailing"#,
            #"{'jsonrpc':'2.0'}"#,
            "{\u{0}}",
            "[",
        ])
    func invalidJSON(line: String) async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(line)
        let reply = try await bridge.rpc.next()
        #expect(reply.errorCode == -32700, "\(reply)")
        #expect(reply.rawID == "null")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test(
        "invalid UTF-8 inside a string (0xC3 0x28) is a parse error, then a normal request",
        arguments: [Framing.lines, .contentLength])
    func invalidUTF8(framing: Framing) async throws {
        let bridge = try StdioBridge(framing: framing)
        defer { bridge.process.kill() }
        let body =
            Array(#"{"jsonrpc":"2.0","id":1,"method":"session.info","params":{"x":""#.utf8) + [0xC3, 0x28]
            + Array(#""}}"#.utf8)
        try bridge.rpc.send(body)
        let reply = try await bridge.rpc.next()
        #expect(reply.errorCode == -32700, "\(reply)")
        #expect(reply.rawID == "null")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test("invalid UTF-8 in the method name or id is refused too")
    func invalidUTF8Elsewhere() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(Array(#"{"jsonrpc":"2.0","id":1,"method":"session."#.utf8) + [0xFF] + Array(#""}"#.utf8))
        #expect(try await bridge.rpc.next().errorCode == -32700)
        try bridge.rpc.send(
            Array(#"{"jsonrpc":"2.0","id":""#.utf8) + [0xC0, 0x80] + Array(#"","method":"session.info"}"#.utf8))
        #expect(try await bridge.rpc.next().errorCode == -32700)
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    enum Nesting: String, CaseIterable, Sendable {
        case openArrays = "100,000 × ["
        case balancedArrays = "100,000 × [ … ]"
        case objectsInParams = "params nested 100,000 objects deep"
        case arraysInParamsPastTheTreeLimit = "params nested 600 arrays deep"

        var text: String {
            switch self {
            case .openArrays: String(repeating: "[", count: 100_000)
            case .balancedArrays: String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            case .objectsInParams:
                #"{"jsonrpc":"2.0","id":1,"method":"session.ping","params":{"x":"#
                    + String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000) + "}}"
            case .arraysInParamsPastTheTreeLimit:
                #"{"jsonrpc":"2.0","id":1,"method":"session.ping","params":{"x":"#
                    + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}}"
            }
        }
    }

    @Test("deep nesting is refused (-32700 or -32600), and the bridge survives", arguments: Nesting.allCases)
    func deepNesting(nesting: Nesting) async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        // Fix NDJSON framing first: the bodies all start with '[' or '{' anyway.
        try bridge.rpc.send(nesting.text)
        let reply = try await bridge.rpc.next()
        #expect(reply.errorCode == -32700 || reply.errorCode == -32600, "\(reply)")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    static let fiveMB = String(repeating: "x", count: 5_000_000)

    @Test("a 5 MB value under an unknown param name: -32602 naming the param")
    func hugeUnknownValue() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        let reply = try await bridge.rpc.call(
            "session.ping", params: #"{"x":"\#(Self.fiveMB)"}"#, id: "1", timeout: .seconds(30))
        #expect(reply.errorCode == -32602)
        #expect(reply.errorData?["path"] as? String == "x")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test("a 5 MB param name: -32602, then a normal request")
    func hugeUnknownName() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        let reply = try await bridge.rpc.call(
            "session.ping", params: #"{"\#(Self.fiveMB)":1}"#, id: "1", timeout: .seconds(30))
        #expect(reply.errorCode == -32602)
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test("a 5 MB string as delay_ms: -32602 on delay_ms")
    func hugeWrongType() async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        let reply = try await bridge.rpc.call(
            "session.ping", params: #"{"delay_ms":"\#(Self.fiveMB)"}"#, id: "1", timeout: .seconds(30))
        #expect(reply.errorCode == -32602)
        #expect(reply.errorData?["path"] as? String == "delay_ms")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test(
        "--max-message-bytes 4096: a 10 kB message gets -32600 with id null, the next one is served",
        arguments: [Framing.lines, .contentLength])
    func oversized(framing: Framing) async throws {
        let bridge = try StdioBridge(["--max-message-bytes", "4096"], framing: framing)
        defer { bridge.process.kill() }
        // A well-formed request: refused for its size alone, never run.
        try bridge.rpc.send(paddedPing(id: "99", size: 10_240))
        try bridge.rpc.send(RPCPeer.request("session.ping", id: "2"))
        let refusal = try await bridge.rpc.next()
        #expect(refusal.errorCode == -32600, "\(refusal)")
        #expect(refusal.rawID == "null")
        let next = try await bridge.rpc.next()
        #expect(next.rawID == "2")
        #expect(next.hasResult)
        try await bridge.expectCleanEnd()
    }

    @Test(
        "--max-message-bytes 4096: a message of exactly 4096 bytes is served, 4097 is refused",
        arguments: [Framing.lines, .contentLength])
    func sizeLimitBoundary(framing: Framing) async throws {
        let bridge = try StdioBridge(["--max-message-bytes", "4096"], framing: framing)
        defer { bridge.process.kill() }
        try bridge.rpc.send(paddedPing(id: "1", size: 4096))
        let atLimit = try await bridge.rpc.next()
        #expect(atLimit.rawID == "1")
        #expect(atLimit.hasResult, "\(atLimit)")
        try bridge.rpc.send(paddedPing(id: "2", size: 4097))
        let overLimit = try await bridge.rpc.next()
        #expect(overLimit.errorCode == -32600, "\(overLimit)")
        #expect(overLimit.rawID == "null")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test("--max-message-bytes below 1024 is refused at start")
    func tooSmallLimit() async throws {
        let directory = try ScratchDirectory()
        let process = try BridgeProcess.rpc(["--max-message-bytes", "1000"], in: directory)
        defer { process.kill() }
        let status = try await process.waitForExit()
        #expect(status != .exited(0))
        try await process.stderr.waitForEnd()
        #expect(process.stderr.text.contains("1024"), "\(process.stderr.text)")
    }

    @Test("a truncated Content-Length body then end of input: exit 0, the incomplete message is logged")
    func truncatedBody() async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        try bridge.rpc.sendRaw(#"Content-Length: 100\#r\#n\#r\#n{"jsonrpc":"2.0","id":1,"#)
        let end = try await bridge.process.finish(bridge.rpc)
        #expect(end.rest.isEmpty, "\(end.rest)")
        #expect(end.status == .exited(0))
        try await bridge.process.stderr.waitForEnd()
        #expect(bridge.process.stderr.text.contains("incomplete message"), "\(bridge.process.stderr.text)")
    }

    @Test("a truncated NDJSON line then end of input: exit 0, nothing answered")
    func truncatedLine() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        _ = try await bridge.rpc.call("session.ping", id: "0")
        try bridge.rpc.sendRaw(#"{"jsonrpc":"2.0","id":1,"method":"session.info""#)
        let end = try await bridge.process.finish(bridge.rpc)
        #expect(end.rest.isEmpty, "\(end.rest)")
        #expect(end.status == .exited(0))
    }

    struct BrokenHeader: Sendable, CustomTestStringConvertible {
        let label: String
        let header: String
        var testDescription: String { label }
    }

    static let brokenHeaders = [
        BrokenHeader(
            label: "Content-Type only", header: "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"),
        BrokenHeader(label: "Content-Length: lots", header: "Content-Length: lots\r\n\r\n"),
        BrokenHeader(label: "Content-Length: -5", header: "Content-Length: -5\r\n\r\n"),
        BrokenHeader(label: "a line without a colon", header: "hello there\r\n\r\n"),
        BrokenHeader(
            label: "40 kB of header lines and no empty line",
            header: String(repeating: "X-Padding: " + String(repeating: "a", count: 100) + "\r\n", count: 400)),
    ]

    @Test(
        "a header block without a usable Content-Length: an error reply, output closed, exit 0",
        arguments: brokenHeaders)
    func headerWithoutLength(broken: BrokenHeader) async throws {
        // The reply and the close race inside the bridge, so one run proves
        // little: every one of several runs must get the reply.
        let runs = 12
        var failures: [String] = []
        for run in 1...runs {
            let bridge = try StdioBridge(framing: .contentLength)
            defer { bridge.process.kill() }
            // The bridge may close its stdin before taking all of this.
            try? bridge.rpc.sendRaw(broken.header + RPCPeer.request("session.info", id: "1"))
            // The bridge closes the connection on its own: stdin stays open here.
            let messages = try await bridge.rpc.readToEnd()
            let status = try await bridge.process.waitForExit()
            if messages.count != 1 || messages.first?.hasError != true || messages.first?.rawID != "null" {
                failures.append("run \(run): \(messages.count) messages \(messages)")
            }
            if status != .exited(0) { failures.append("run \(run): \(status)") }
            bridge.process.closeStdin()
        }
        #expect(failures.isEmpty, "\(failures.count) bad of \(runs) runs: \(failures)")
    }

    @Test("Content-Length: an empty body and a body that is not JSON are parse errors; the stream stays in step")
    func badBodies() async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        try bridge.rpc.sendRaw("Content-Length: 0\r\n\r\n")
        #expect(try await bridge.rpc.next().errorCode == -32700)
        try bridge.rpc.send("not json at all")
        #expect(try await bridge.rpc.next().errorCode == -32700)
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }
}
