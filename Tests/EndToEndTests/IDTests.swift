import Foundation
import Testing

/// Request ids come back byte for byte: the id text of each reply is compared
/// with the id text of its request.
@Suite("Request ids", .timeLimit(.minutes(1)))
struct IDTests {
    static let ids = [
        #""abc""#,
        #""""#,
        #""with space, ☃ and é""#,
        #""quote \" and backslash \\ and tab \t""#,
        "0",
        "1",
        "-1",
        "9223372036854775807",
        "-9223372036854775808",
    ]

    @Test("an id is echoed exactly in results and in errors", arguments: ids)
    func echoed(id: String) async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(RPCPeer.request("session.info", id: id))
        let success = try await bridge.rpc.next()
        #expect(success.rawID == id)
        #expect(success.hasResult)

        try bridge.rpc.send(RPCPeer.request("no.such.method", id: id))
        let failure = try await bridge.rpc.next()
        #expect(failure.rawID == id)
        #expect(failure.errorCode == -32601)

        try bridge.rpc.send(RPCPeer.request("session.ping", params: #"{"bad":1}"#, id: id))
        let badParams = try await bridge.rpc.next()
        #expect(badParams.rawID == id)
        #expect(badParams.errorCode == -32602)
        try await bridge.expectCleanEnd()
    }

    @Test("the 64-bit extremes are echoed exactly inside a batch and over Content-Length")
    func extremesInBatch() async throws {
        let bridge = try StdioBridge(framing: .contentLength)
        defer { bridge.process.kill() }
        try bridge.rpc.send(
            """
            [{"jsonrpc":"2.0","id":9223372036854775807,"method":"session.info"},\
            {"jsonrpc":"2.0","id":-9223372036854775808,"method":"session.ping"}]
            """)
        let reply = try await bridge.rpc.next()
        let members = try #require(reply.batch)
        #expect(Set(members.compactMap(\.rawID)) == ["9223372036854775807", "-9223372036854775808"])
        #expect(members.allSatisfy { $0.hasResult })
        try await bridge.expectCleanEnd()
    }

    @Test("id null is a request, answered with id null")
    func nullID() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(RPCPeer.request("session.info", id: "null"))
        let reply = try await bridge.rpc.next()
        #expect(reply.rawID == "null")
        #expect(reply.resultObject?["version"] as? String == "0.1.0")
        try await bridge.expectCleanEnd()
    }

    @Test("an id beyond 64 bits is refused, and the bridge goes on")
    func tooLargeID() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(RPCPeer.request("session.info", id: "9223372036854775808"))
        let reply = try await bridge.rpc.next()
        #expect(reply.hasError)
        #expect(reply.rawID == "null")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }
}
