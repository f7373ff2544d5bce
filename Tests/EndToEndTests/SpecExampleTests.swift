import Foundation
import Testing

/// The examples of the JSON-RPC 2.0 specification, §7
/// (https://www.jsonrpc.org/specification#examples). The bridge serves none of
/// the spec's methods (subtract, sum, update, foobar, get_data, …): they are
/// its unknown-method cases (-32601), and each example has a twin with a real
/// bridge method where the spec expects a result.
@Suite("JSON-RPC 2.0 specification examples", .timeLimit(.minutes(1)))
struct SpecExampleTests {
    @Test("rpc call with positional parameters")
    func positionalParams() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        let subtract = try await bridge.rpc.call("subtract", params: "[42,23]", id: "1")
        #expect(subtract.rawID == "1")
        #expect(subtract.errorCode == -32601)
        #expect(subtract.errorData?["method"] as? String == "subtract")

        // session.ping's one param is delay_ms: [150] means delay_ms 150.
        let ping = try await bridge.rpc.call("session.ping", params: "[150]", id: "2")
        #expect(ping.rawID == "2")
        #expect(ping.resultObject?["pong"] as? Bool == true)
        #expect(ping.resultObject?["waited_ms"] as? Int == 150)

        let tooMany = try await bridge.rpc.call("session.ping", params: "[1,2]", id: "3")
        #expect(tooMany.errorCode == -32602, "more positional params than the method declares")
        let noParams = try await bridge.rpc.call("session.info", params: "[1]", id: "4")
        #expect(noParams.errorCode == -32602, "session.info takes no params")
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call with named parameters")
    func namedParams() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        let subtract = try await bridge.rpc.call("subtract", params: #"{"subtrahend":23,"minuend":42}"#, id: "3")
        #expect(subtract.rawID == "3")
        #expect(subtract.errorCode == -32601)

        let ping = try await bridge.rpc.call("session.ping", params: #"{"delay_ms":150}"#, id: "4")
        #expect(ping.resultObject?["waited_ms"] as? Int == 150)

        let unknown = try await bridge.rpc.call("session.ping", params: #"{"subtrahend":23}"#, id: "5")
        #expect(unknown.errorCode == -32602)
        #expect(unknown.errorData?["path"] as? String == "subtrahend", "data.path names the refused field: \(unknown)")

        let wrongType = try await bridge.rpc.call("session.ping", params: #"{"delay_ms":"soon"}"#, id: "6")
        #expect(wrongType.errorCode == -32602)
        #expect(wrongType.errorData?["path"] as? String == "delay_ms")

        let outOfRange = try await bridge.rpc.call("session.ping", params: #"{"delay_ms":60001}"#, id: "7")
        #expect(outOfRange.errorCode == -32602)
        #expect(outOfRange.errorData?["path"] as? String == "delay_ms")

        let missing = try await bridge.rpc.call("session.authenticate", params: "{}", id: "8")
        #expect(missing.errorCode == -32602, "token is required")
        try await bridge.expectCleanEnd()
    }

    @Test("a Notification is never answered")
    func notification() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(RPCPeer.notification("update", params: "[1,2,3,4,5]"))
        try bridge.rpc.send(RPCPeer.notification("foobar"))
        // Notifications of served methods, failing or not, are not answered either.
        try bridge.rpc.send(RPCPeer.notification("session.ping", params: #"{"delay_ms":0}"#))
        try bridge.rpc.send(RPCPeer.notification("session.ping", params: #"{"bogus":1}"#))
        try bridge.rpc.send(RPCPeer.notification("$/unknownNotification", params: "{}"))
        try bridge.rpc.send(RPCPeer.request("session.ping", id: #""after""#))
        let next = try await bridge.rpc.next()
        #expect(next.rawID == #""after""#, "the first message out must answer the request: \(next)")
        // Anything still to come would show up before end of output.
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call of non-existent method")
    func nonExistentMethod() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        let reply = try await bridge.rpc.call("foobar", id: #""1""#)
        #expect(reply.rawID == #""1""#)
        #expect(reply.errorCode == -32601)
        #expect(!reply.hasResult)
        // Unknown `$/` requests are unknown methods too (only notifications are ignored).
        let dollar = try await bridge.rpc.call("$/unknownRequest", id: "2")
        #expect(dollar.errorCode == -32601)
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call with invalid JSON")
    func invalidJSON() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(#"{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]"#)
        let reply = try await bridge.rpc.next()
        #expect(reply.rawID == "null")
        #expect(reply.errorCode == -32700)
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call with invalid Request object")
    func invalidRequestObject() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#)
        let reply = try await bridge.rpc.next()
        #expect(reply.rawID == "null")
        #expect(reply.errorCode == -32600)
        try await bridge.expectCleanEnd()
    }

    @Test(
        "other invalid Request objects: the id is echoed when it can be read",
        arguments: [
            (#"{"jsonrpc":"1.0","method":"session.info","id":8}"#, "8"),
            (#"{"method":"session.info","id":9}"#, "9"),
            (#"{"jsonrpc":"2.0","id":10}"#, "10"),
            (#"{"jsonrpc":"2.0","method":"session.info","params":"bar","id":11}"#, "11"),
            (#"{"jsonrpc":"2.0","method":"session.info","params":null,"id":12}"#, "12"),
            (#"{"jsonrpc":"2.0","method":"session.info","id":[1]}"#, "null"),
            (#"{"jsonrpc":"2.0","method":"session.info","id":{"a":1}}"#, "null"),
            (#"{"jsonrpc":"2.0","method":"session.info","id":true}"#, "null"),
            (#""just a string""#, "null"),
            ("42", "null"),
            ("null", "null"),
        ])
    func otherInvalidRequests(request: String, rawID: String) async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        // A valid first line fixes NDJSON framing (a bare `"…"` or `42` would select Content-Length).
        _ = try await bridge.rpc.call("session.ping", id: "0")
        try bridge.rpc.send(request)
        let reply = try await bridge.rpc.next()
        #expect(reply.errorCode == -32600, "\(reply)")
        #expect(reply.rawID == rawID)
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call Batch, invalid JSON: one error object, not an array")
    func batchInvalidJSON() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(#"[{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},{"jsonrpc":"2.0","method" ]"#)
        let reply = try await bridge.rpc.next()
        #expect(!reply.isBatch)
        #expect(reply.rawID == "null")
        #expect(reply.errorCode == -32700)
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call with an empty Array: one error object, not an array")
    func emptyBatch() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send("[]")
        let reply = try await bridge.rpc.next()
        #expect(!reply.isBatch, "\(reply)")
        #expect(reply.rawID == "null")
        #expect(reply.errorCode == -32600)
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call with an invalid Batch (but not empty): [1]")
    func batchOfOne() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send("[1]")
        let reply = try await bridge.rpc.next()
        let members = try #require(reply.batch)
        #expect(members.count == 1)
        #expect(members.allSatisfy { $0.errorCode == -32600 && $0.rawID == "null" })
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call with invalid Batch: [1,2,3]")
    func batchOfThree() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send("[1,2,3]")
        let reply = try await bridge.rpc.next()
        let members = try #require(reply.batch)
        #expect(members.count == 3)
        #expect(members.allSatisfy { $0.errorCode == -32600 && $0.rawID == "null" })
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call Batch: requests, a notification, an invalid member and unknown methods")
    func mixedBatch() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(
            """
            [{"jsonrpc":"2.0","method":"session.ping","params":[0],"id":"1"},\
            {"jsonrpc":"2.0","method":"notify_hello","params":[7]},\
            {"jsonrpc":"2.0","method":"session.info","id":"2"},\
            {"foo":"boo"},\
            {"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},\
            {"jsonrpc":"2.0","method":"get_data","id":"9"}]
            """)
        let reply = try await bridge.rpc.next()
        let members = try #require(reply.batch, "a batch is answered with an array: \(reply)")
        #expect(members.count == 5, "one reply per request or invalid member, none for the notification")
        let byID = reply.batchByID()
        #expect(byID[#""1""#]?.resultObject?["pong"] as? Bool == true)
        #expect(byID[#""2""#]?.resultObject?["version"] as? String == "0.1.0")
        #expect(byID["null"]?.errorCode == -32600)
        #expect(byID[#""5""#]?.errorCode == -32601)
        #expect(byID[#""9""#]?.errorCode == -32601)
        try await bridge.expectCleanEnd()
    }

    @Test("rpc call Batch (all notifications): no reply at all")
    func notificationBatch() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(
            """
            [{"jsonrpc":"2.0","method":"notify_sum","params":[1,2,4]},\
            {"jsonrpc":"2.0","method":"notify_hello","params":[7]},\
            {"jsonrpc":"2.0","method":"session.ping"}]
            """)
        try bridge.rpc.send(RPCPeer.request("session.ping", id: #""after""#))
        let next = try await bridge.rpc.next()
        #expect(next.rawID == #""after""#, "\(next)")
        try await bridge.expectCleanEnd()
    }

    @Test("responses sent to the bridge are not answered")
    func responsesIgnored() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(#"{"jsonrpc":"2.0","id":5,"result":1}"#)
        try bridge.rpc.send(#"{"jsonrpc":"2.0","id":6,"error":{"code":1,"message":"x"}}"#)
        try bridge.rpc.send(RPCPeer.request("session.ping", id: #""after""#))
        let next = try await bridge.rpc.next()
        #expect(next.rawID == #""after""#, "\(next)")
        try await bridge.expectCleanEnd()
    }
}
