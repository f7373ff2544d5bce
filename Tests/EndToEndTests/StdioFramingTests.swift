import Foundation
import Testing

/// Stdio in both framings. The client reads in the framing it wrote, so a
/// reply in the other framing fails the read itself ("expected a
/// Content-Length frame, got a bare JSON text", or a line that is not JSON).
@Suite("Stdio framing", .timeLimit(.minutes(1)))
struct StdioFramingTests {
    static let infoRequest = RPCPeer.request("session.info", id: "1")

    func expectInfo(_ reply: Message, home: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let info = reply.resultObject ?? [:]
        #expect(reply.rawID == "1", sourceLocation: sourceLocation)
        #expect(!reply.hasError, sourceLocation: sourceLocation)
        #expect(info["version"] as? String == "0.1.0", sourceLocation: sourceLocation)
        #expect(info["profile"] as? String == "default", sourceLocation: sourceLocation)
        #expect(info["mode"] as? String == "local", sourceLocation: sourceLocation)
        #expect(info["server"] is NSNull, "server is null when the profile has none", sourceLocation: sourceLocation)
        #expect(info["username"] is NSNull, sourceLocation: sourceLocation)
        #expect(info["filerepo"] as? String == home + "/datapipe/files/default", sourceLocation: sourceLocation)
        #expect(
            Set(info.keys) == ["version", "profile", "mode", "server", "username", "filerepo"],
            sourceLocation: sourceLocation)
    }

    @Test("NDJSON: session.info round trip, answered as one line")
    func ndjsonRoundTrip() async throws {
        let bridge = try StdioBridge(framing: .lines)
        defer { bridge.process.kill() }
        try bridge.rpc.send(Self.infoRequest)
        let reply = try await bridge.rpc.next()
        expectInfo(reply, home: bridge.directory.path)
        #expect(reply.raw.first == UInt8(ascii: "{"))
        #expect(!reply.raw.contains(0x0A), "one JSON text per line")
        try await bridge.expectCleanEnd()
    }

    @Test("Content-Length: session.info round trip, answered with Content-Length framing")
    func contentLengthRoundTrip() async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        try bridge.rpc.send(Self.infoRequest)
        let reply = try await bridge.rpc.next()
        expectInfo(reply, home: bridge.directory.path)
        try await bridge.expectCleanEnd()
    }

    @Test(
        "Content-Type with an accepted charset is served",
        arguments: [
            "application/vscode-jsonrpc; charset=utf8",
            "application/vscode-jsonrpc; charset=utf-8",
            "application/json; charset=\"UTF-8\"",
            "application/vscode-jsonrpc",
        ])
    func acceptedCharset(contentType: String) async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        let body = Self.infoRequest
        try bridge.rpc.sendRaw("Content-Length: \(body.utf8.count)\r\nContent-Type: \(contentType)\r\n\r\n\(body)")
        let reply = try await bridge.rpc.next()
        expectInfo(reply, home: bridge.directory.path)
        try await bridge.expectCleanEnd()
    }

    @Test("charset=latin1 is refused with an error reply, its body skipped, and the next message served")
    func latin1Refused() async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        // The refused body is a valid request: it must not run.
        let refused = RPCPeer.request("session.info", id: "99")
        try bridge.rpc.sendRaw(
            "Content-Length: \(refused.utf8.count)\r\nContent-Type: application/vscode-jsonrpc; charset=latin1\r\n\r\n\(refused)"
        )
        try bridge.rpc.send(Self.infoRequest)
        let error = try await bridge.rpc.next()
        #expect(error.rawID == "null")
        #expect(error.errorCode == -32600)
        #expect(error.errorMessage?.contains("latin1") == true, "\(error)")
        let reply = try await bridge.rpc.next()
        expectInfo(reply, home: bridge.directory.path)
        try await bridge.expectCleanEnd()
    }

    @Test("Header names are case-insensitive; unknown headers are ignored")
    func headerVariants() async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        let body = Self.infoRequest
        try bridge.rpc.sendRaw("content-length: \(body.utf8.count)\r\nX-Trace: abc\r\n\r\n\(body)")
        expectInfo(try await bridge.rpc.next(), home: bridge.directory.path)
        try await bridge.expectCleanEnd()
    }

    @Test("Content-Length: several frames in one write, and a frame written one byte at a time")
    func contentLengthChunking() async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        let framing = Framing.contentLength
        let batch = (1...3).flatMap { framing.frame(RPCPeer.request("session.ping", id: "\($0)")) }
        try bridge.rpc.sendRaw(batch)
        var ids: Set<String> = []
        for _ in 1...3 { ids.insert(try await bridge.rpc.next().rawID ?? "?") }
        #expect(ids == ["1", "2", "3"])

        for byte in framing.frame(RPCPeer.request("session.ping", id: "4")) {
            try bridge.rpc.sendRaw([byte])
        }
        let reply = try await bridge.rpc.next()
        #expect(reply.rawID == "4")
        #expect(reply.resultObject?["pong"] as? Bool == true)
        try await bridge.expectCleanEnd()
    }

    @Test("NDJSON: leading blank lines, CRLF line ends and blank lines between messages")
    func ndjsonLeniency() async throws {
        let bridge = try StdioBridge(framing: .lines)
        defer { bridge.process.kill() }
        let one = RPCPeer.request("session.ping", id: "1")
        let two = RPCPeer.request("session.ping", id: "2")
        try bridge.rpc.sendRaw("\n \r\n\(one)\r\n\n\r\n\(two)\n")
        var ids: Set<String> = []
        for _ in 1...2 { ids.insert(try await bridge.rpc.next().rawID ?? "?") }
        #expect(ids == ["1", "2"])
        try await bridge.expectCleanEnd()
    }

    @Test("Stdin and stdout redirected to regular files: every request answered, exit 0")
    func regularFiles() async throws {
        let directory = try ScratchDirectory()
        let input = directory.file("requests.ndjson")
        let output = directory.file("replies.ndjson")
        let requests = [
            RPCPeer.request("session.ping", params: #"{"delay_ms":200}"#, id: "1"),
            RPCPeer.request("session.info", id: "2"),
            RPCPeer.request("no.such.method", id: "3"),
        ]
        try (requests.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let process = try BridgeProcess(
            arguments: ["rpc", "--config", directory.file("cfg.json")], home: directory.path,
            input: .file(input), output: .file(output))
        defer { process.kill() }
        #expect(try await process.waitForExit() == .exited(0))
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "", "output ends with a newline")
        let messages = try lines.dropLast().map { try Message(raw: Array($0.utf8)) }
        let replies = messages.filter(\.isResponse)
        #expect(Set(replies.compactMap(\.rawID)) == ["1", "2", "3"])
        #expect(replies.count == 3)
        let pingReply = try #require(messages.firstIndex { $0.rawID == "1" })
        let progress = messages.indices.filter { messages[$0].method == "$/progress" }
        #expect(!progress.isEmpty)
        #expect(progress.allSatisfy { $0 < pingReply }, "progress comes before the ping's reply")
    }

    @Test("Stdin or stdout on /dev/null (epoll cannot watch character devices): no crash, exit 0")
    func devNull() async throws {
        let directory = try ScratchDirectory()
        let input = directory.file("requests.ndjson")
        try (RPCPeer.request("session.info", id: "1") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let arguments = ["rpc", "--config", directory.file("cfg.json")]
        let silent = try BridgeProcess(
            arguments: arguments, home: directory.path, input: .file(input), output: .file("/dev/null"))
        defer { silent.kill() }
        #expect(try await silent.waitForExit() == .exited(0), "stderr: \(silent.stderr.text.suffix(500))")
        let empty = try BridgeProcess(arguments: arguments, home: directory.path, input: .file("/dev/null"))
        defer { empty.kill() }
        #expect(try await empty.peer(.lines).readToEnd().isEmpty)
        #expect(try await empty.waitForExit() == .exited(0))
    }

    @Test("Stdin from a regular file, stdout a pipe (`datapipe rpc < requests | jq`): every reply is written")
    func regularFileInput() async throws {
        let directory = try ScratchDirectory()
        let input = directory.file("requests.txt")
        let body = RPCPeer.request("session.info", id: "1")
        // Content-Length framing from a file, too.
        try "Content-Length: \(body.utf8.count)\r\n\r\n\(body)".write(toFile: input, atomically: true, encoding: .utf8)
        // Replies race the exit inside the bridge: every one of several runs must answer.
        let runs = 10
        var failures: [String] = []
        for run in 1...runs {
            let process = try BridgeProcess(
                arguments: ["rpc", "--config", directory.file("cfg.json")], home: directory.path, input: .file(input))
            defer { process.kill() }
            let messages = try await process.peer(.contentLength).readToEnd()
            let status = try await process.waitForExit()
            if messages.count != 1 || messages.first?.rawID != "1" || messages.first?.hasResult != true {
                failures.append("run \(run): \(messages.count) messages")
            }
            if status != .exited(0) { failures.append("run \(run): \(status)") }
        }
        #expect(failures.isEmpty, "\(failures.count) bad of \(runs) runs: \(failures)")
    }
}
