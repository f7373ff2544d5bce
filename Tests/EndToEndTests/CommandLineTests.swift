import Foundation
import Testing

@Suite("Command line and session methods", .timeLimit(.minutes(1)))
struct CommandLineTests {
    @Test("datapipe --version prints 0.1.0")
    func version() async throws {
        let directory = try ScratchDirectory()
        let process = try BridgeProcess(arguments: ["--version"], home: directory.path)
        defer { process.kill() }
        let output = try #require(process.stdout)
        let text = String(decoding: try await output.waitForEnd(), as: UTF8.self)
        #expect(text == "0.1.0\n")
        #expect(try await process.waitForExit() == .exited(0))
    }

    @Test("--tcp and --unix together are refused at start")
    func conflictingListeners() async throws {
        let directory = try ScratchDirectory()
        let process = try BridgeProcess.rpc(["--tcp", "127.0.0.1:0", "--unix", directory.file("s")], in: directory)
        defer { process.kill() }
        #expect(try await process.waitForExit() != .exited(0))
    }

    static let config = """
        {"default": {"mode": "local"},
         "work": {"mode": "server", "server": "https://pipe.example.com", "username": "ann", "filerepo": "/data/repo"}}
        """

    @Test("session.info reads the profile named by --profile from the config file")
    func profileFromConfig() async throws {
        let directory = try ScratchDirectory()
        try Self.config.write(toFile: directory.file("cfg.json"), atomically: true, encoding: .utf8)
        let process = try BridgeProcess.rpc(["--profile", "work"], in: directory)
        defer { process.kill() }
        let rpc = process.peer(.lines)
        let info = try #require(try await rpc.call("session.info", id: "1").resultObject)
        #expect(info["profile"] as? String == "work")
        #expect(info["mode"] as? String == "server")
        #expect(info["server"] as? String == "https://pipe.example.com")
        #expect(info["username"] as? String == "ann")
        #expect(info["filerepo"] as? String == "/data/repo")
        let end = try await process.finish(rpc)
        #expect(end.rest.isEmpty)
        #expect(end.status == .exited(0))
    }

    @Test("DATAPIPE_CONFIG and DATAPIPE_PROFILE are used when no flag is given")
    func environmentDefaults() async throws {
        let directory = try ScratchDirectory()
        let configFile = directory.file("elsewhere.json")
        try Self.config.write(toFile: configFile, atomically: true, encoding: .utf8)
        let process = try BridgeProcess(
            arguments: ["rpc"], home: directory.path,
            environment: ["DATAPIPE_CONFIG": configFile, "DATAPIPE_PROFILE": "work"])
        defer { process.kill() }
        let rpc = process.peer(.lines)
        let info = try #require(try await rpc.call("session.info", id: "1").resultObject)
        #expect(info["profile"] as? String == "work")
        #expect(info["username"] as? String == "ann")
        let end = try await process.finish(rpc)
        #expect(end.status == .exited(0))
    }

    @Test("a config file that is not JSON: session.info fails with -32007 InvalidSettings, the bridge goes on")
    func invalidConfig() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try "{not json".write(toFile: bridge.directory.file("cfg.json"), atomically: true, encoding: .utf8)
        let reply = try await bridge.rpc.call("session.info", id: "1")
        #expect(reply.errorCode == -32007, "\(reply)")
        #expect(reply.errorType == "InvalidSettings")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test("rpc.discover returns the OpenRPC document listing every method")
    func discover() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        let reply = try await bridge.rpc.call("rpc.discover", id: "1")
        let document = try #require(reply.resultObject)
        #expect(document["openrpc"] is String)
        let methods = (document["methods"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(
            Set(["rpc.discover", "session.info", "session.authenticate", "session.ping"]).isSubset(of: Set(methods)),
            "\(methods)")
        #expect(try await bridge.rpc.call("rpc.discover", params: #"{"x":1}"#, id: "2").errorCode == -32602)
        try await bridge.expectCleanEnd()
    }

    @Test("stdout carries only protocol messages while stderr gets the logs (--log-level trace)")
    func logsOnStderr() async throws {
        let bridge = try StdioBridge(["--log-level", "trace", "--max-message-bytes", "1024"])
        defer { bridge.process.kill() }
        // A mix that makes the bridge log: refusals, ignored notifications, a cancel.
        try bridge.rpc.send(paddedPing(id: "1", size: 2000))
        try bridge.rpc.send(RPCPeer.notification("$/whatever"))
        try bridge.rpc.send("{oops")
        try bridge.rpc.send(#"{"jsonrpc":"2.0","id":9,"result":null}"#)
        try bridge.rpc.send(RPCPeer.request("session.ping", params: "[150]", id: "2"))
        try bridge.rpc.send(RPCPeer.request("session.info", id: "3"))
        let end = try await bridge.process.finish(bridge.rpc)
        // Every frame on stdout parsed as a JSON-RPC message (readToEnd checks each).
        #expect(end.rest.filter(\.isResponse).count == 4, "\(end.rest)")
        #expect(end.status == .exited(0))
        try await bridge.process.stderr.waitForEnd()
        let log = bridge.process.stderr.text
        #expect(log.contains("1024"), "the refusal is logged: \(log)")
        #expect(!log.contains(#""jsonrpc""#), "no protocol message leaks to stderr")
    }
}
