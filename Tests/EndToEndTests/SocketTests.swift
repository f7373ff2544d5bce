import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fileMode(_ path: String) throws -> (permissions: mode_t, type: mode_t) {
    var info = stat()
    guard stat(path, &info) == 0 else { throw HarnessError("stat \(path): \(String(cString: strerror(errno)))") }
    return (info.st_mode & 0o7777, info.st_mode & S_IFMT)
}

@Suite("TCP", .timeLimit(.minutes(1)))
struct TCPTests {
    static func authenticate(_ rpc: RPCPeer, token: String, id: String = #""auth""#) async throws -> Message {
        try await rpc.call("session.authenticate", params: #"{"token":"\#(token)"}"#, id: id)
    }

    static func expectAuthRequired(_ reply: Message, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.errorCode == -32001, "\(reply)", sourceLocation: sourceLocation)
        #expect(reply.errorType == "AuthRequired", sourceLocation: sourceLocation)
        #expect(!reply.hasResult, sourceLocation: sourceLocation)
    }

    @Test("the token file is written at start: mode 0600, 64 hex characters, in a 0700 folder")
    func tokenFile() async throws {
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let mode = try fileMode(bridge.tokenFile)
        #expect(mode.type == S_IFREG)
        #expect(mode.permissions == 0o600, "mode \(String(mode.permissions, radix: 8))")
        let folder = try fileMode((bridge.tokenFile as NSString).deletingLastPathComponent)
        #expect(folder.permissions == 0o700, "folder mode \(String(folder.permissions, radix: 8))")
        let content = try String(contentsOfFile: bridge.tokenFile, encoding: .utf8)
        let token = content.trimmingCharacters(in: .newlines)
        #expect(token.count == 64)
        #expect(token.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(token)")
        #expect(content == token || content == token + "\n")
        bridge.process.signal(SIGTERM)
        #expect(try await bridge.process.waitForExit() == .exited(0))
    }

    @Test("--tcp with a bare port listens on 127.0.0.1")
    func barePort() async throws {
        let directory = try ScratchDirectory()
        let process = try BridgeProcess.rpc(["--tcp", "0", "--no-auth"], in: directory)
        defer { process.kill() }
        let text = try await process.stderr.waitForText(containing: "listening on 127.0.0.1:")
        let port = Int(text.components(separatedBy: "listening on 127.0.0.1:")[1].prefix(while: \.isNumber)) ?? 0
        let client = try SocketClient.tcp(port: port)
        defer { client.close() }
        #expect(try await client.peer(.lines).call("session.info", id: "1").hasResult)
    }

    @Test("each start writes a fresh token")
    func freshToken() async throws {
        let first = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { first.process.kill() }
        let second = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { second.process.kill() }
        #expect(try first.token() != second.token())
    }

    @Test(
        "calls before session.authenticate get -32001 AuthRequired; a wrong token too; the right one opens the session")
    func authenticateFlow() async throws {
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let client = try bridge.connect()
        defer { client.close() }
        let rpc = client.peer(.lines)
        Self.expectAuthRequired(try await rpc.call("session.info", id: "1"))
        Self.expectAuthRequired(try await rpc.call("session.ping", id: "2"))
        Self.expectAuthRequired(try await rpc.call("rpc.discover", id: "3"))
        // Bad params are still refused as unauthenticated, not as bad params.
        Self.expectAuthRequired(try await rpc.call("session.ping", params: #"{"nope":1}"#, id: "4"))

        Self.expectAuthRequired(try await Self.authenticate(rpc, token: "wrong", id: "5"))
        let token = try bridge.token()
        Self.expectAuthRequired(try await Self.authenticate(rpc, token: String(token.dropLast()), id: "6"))
        Self.expectAuthRequired(try await Self.authenticate(rpc, token: token + "0", id: "7"))
        Self.expectAuthRequired(try await rpc.call("session.info", id: "8"))

        let ok = try await Self.authenticate(rpc, token: token, id: "9")
        #expect(ok.resultObject?["ok"] as? Bool == true, "\(ok)")
        let info = try await rpc.call("session.info", id: "10")
        #expect(info.resultObject?["version"] as? String == "0.1.0", "\(info)")
        #expect(try await rpc.call("rpc.discover", id: "11").hasResult)
    }

    @Test("positional params work for session.authenticate")
    func authenticatePositional() async throws {
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let client = try bridge.connect()
        defer { client.close() }
        let rpc = client.peer(.lines)
        let ok = try await rpc.call("session.authenticate", params: #"["\#(try bridge.token())"]"#, id: "1")
        #expect(ok.resultObject?["ok"] as? Bool == true, "\(ok)")
        #expect(try await rpc.call("session.info", id: "2").hasResult)
    }

    @Test("an unauthenticated peer cannot probe which methods exist: unknown methods get AuthRequired too")
    func unknownMethodBeforeAuthenticate() async throws {
        // openrpc.json, session.authenticate: "Until then every other call on
        // that connection fails with AuthRequired."
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let client = try bridge.connect()
        defer { client.close() }
        let rpc = client.peer(.lines)
        Self.expectAuthRequired(try await rpc.call("no.such.method", id: "1"))
    }

    @Test("two connections are independent: one authenticated, the other not")
    func independentConnections() async throws {
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let first = try bridge.connect()
        defer { first.close() }
        let second = try bridge.connect()
        defer { second.close() }
        let a = first.peer(.lines)
        let b = second.peer(.contentLength)
        let ok = try await Self.authenticate(a, token: try bridge.token())
        #expect(ok.resultObject?["ok"] as? Bool == true)
        Self.expectAuthRequired(try await b.call("session.info", id: "1"))
        #expect(try await a.call("session.info", id: "1").hasResult)
        Self.expectAuthRequired(try await b.call("session.info", id: "2"))

        // A third connection starts unauthenticated, whatever the others did.
        let third = try bridge.connect()
        defer { third.close() }
        Self.expectAuthRequired(try await third.peer(.lines).call("session.info", id: "1"))

        // B authenticating later works, and A is unaffected by B's failures.
        let bOK = try await Self.authenticate(b, token: try bridge.token())
        #expect(bOK.resultObject?["ok"] as? Bool == true)
        #expect(try await b.call("session.info", id: "3").hasResult)
        #expect(try await a.call("session.info", id: "2").hasResult)
    }

    @Test("--no-auth: no token needed, and no token file written")
    func noAuth() async throws {
        let bridge = try await ListeningBridge.tcp(["--no-auth"], in: ScratchDirectory())
        defer { bridge.process.kill() }
        let client = try bridge.connect()
        defer { client.close() }
        let rpc = client.peer(.lines)
        let info = try await rpc.call("session.info", id: "1")
        #expect(info.resultObject?["version"] as? String == "0.1.0", "\(info)")
        let auth = try await Self.authenticate(rpc, token: "anything")
        #expect(auth.resultObject?["ok"] as? Bool == true)
        #expect(!FileManager.default.fileExists(atPath: bridge.tokenFile))
        bridge.process.signal(SIGTERM)
        #expect(try await bridge.process.waitForExit() == .exited(0))
    }

    @Test("Content-Length framing over TCP, beside an NDJSON connection")
    func contentLengthOverTCP() async throws {
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let framed = try bridge.connect()
        defer { framed.close() }
        let lines = try bridge.connect()
        defer { lines.close() }
        let cl = framed.peer(.contentLength)
        let nd = lines.peer(.lines)
        let token = try bridge.token()
        #expect(try await Self.authenticate(cl, token: token).resultObject?["ok"] as? Bool == true)
        #expect(try await Self.authenticate(nd, token: token).resultObject?["ok"] as? Bool == true)
        let info = try await cl.call("session.info", id: "1")
        #expect(info.resultObject?["version"] as? String == "0.1.0")
        let ping = try await nd.call("session.ping", params: "[120]", id: "1")
        #expect(ping.resultObject?["waited_ms"] as? Int == 120)
        // Cancellation over TCP, too.
        try cl.send(RPCPeer.request("session.ping", params: #"{"delay_ms":60000}"#, id: "2"))
        try await CancellationTests.waitForBegin(cl, token: "2")
        try cl.send(CancellationTests.cancel("2"))
        #expect(try await cl.reply(to: "2", timeout: .seconds(60)).reply.errorCode == -32800)
    }

    @Test("a framing error closes only that connection")
    func fatalErrorIsPerConnection() async throws {
        let bridge = try await ListeningBridge.tcp(["--no-auth"], in: ScratchDirectory())
        defer { bridge.process.kill() }
        let bad = try bridge.connect()
        defer { bad.close() }
        let good = try bridge.connect()
        defer { good.close() }
        let badRPC = bad.peer(.contentLength)
        try badRPC.sendRaw("Content-Type: text/plain\r\n\r\n{}")
        #expect(try await badRPC.next().hasError)
        #expect(try await badRPC.readToEnd().isEmpty, "the bridge closes the broken connection")
        #expect(try await good.peer(.lines).call("session.info", id: "1").hasResult)
    }
}

@Suite("Unix socket", .timeLimit(.minutes(1)))
struct UnixSocketTests {
    @Test("the socket is created mode 0600; session.info works without a token")
    func serve() async throws {
        let directory = try ScratchDirectory()
        let path = directory.file("dp.sock")
        let bridge = try await ListeningBridge.unix(path: path, in: directory)
        defer { bridge.process.kill() }
        let mode = try fileMode(path)
        #expect(mode.type == S_IFSOCK)
        #expect(mode.permissions == 0o600, "mode \(String(mode.permissions, radix: 8))")

        let client = try SocketClient.unix(path: path)
        defer { client.close() }
        let rpc = client.peer(.lines)
        let info = try await rpc.call("session.info", id: "1")
        #expect(info.resultObject?["version"] as? String == "0.1.0", "\(info)")
        let auth = try await rpc.call("session.authenticate", params: #"{"token":"whatever"}"#, id: "2")
        #expect(auth.resultObject?["ok"] as? Bool == true, "authenticate answers ok where no token is needed")

        let framed = try SocketClient.unix(path: path)
        defer { framed.close() }
        #expect(try await framed.peer(.contentLength).call("session.info", id: "1").hasResult)
    }

    @Test("SIGTERM: exit 0 and the socket file is removed")
    func sigterm() async throws {
        let directory = try ScratchDirectory()
        let path = directory.file("dp.sock")
        let bridge = try await ListeningBridge.unix(path: path, in: directory)
        defer { bridge.process.kill() }
        let client = try SocketClient.unix(path: path)
        defer { client.close() }
        #expect(try await client.peer(.lines).call("session.ping", id: "1").hasResult)
        bridge.process.signal(SIGTERM)
        #expect(try await bridge.process.waitForExit() == .exited(0))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a stale socket file at the path is replaced")
    func staleSocket() async throws {
        let directory = try ScratchDirectory()
        let path = directory.file("dp.sock")
        let first = try await ListeningBridge.unix(path: path, in: directory)
        first.process.signal(SIGKILL)
        _ = try await first.process.waitForExit()
        #expect(FileManager.default.fileExists(atPath: path), "a killed bridge leaves its socket behind")
        let second = try await ListeningBridge.unix(path: path, in: directory)
        defer { second.process.kill() }
        let client = try SocketClient.unix(path: path)
        defer { client.close() }
        #expect(try await client.peer(.lines).call("session.info", id: "1").hasResult)
    }
}
