import Foundation
import Testing

@Suite("Pipelining", .timeLimit(.minutes(1)))
struct PipeliningTests {
    @Test(
        "1,000 session.info requests in one write: 1,000 replies, each id exactly once",
        arguments: [Framing.lines, .contentLength])
    func thousandPipelined(framing: Framing) async throws {
        let bridge = try StdioBridge(framing: framing)
        defer { bridge.process.kill() }
        let count = 1_000
        let burst = (0..<count).flatMap { framing.frame(RPCPeer.request("session.info", id: "\($0)")) }
        try bridge.rpc.sendRaw(burst)
        var seen: [String: Int] = [:]
        for _ in 0..<count {
            let reply = try await bridge.rpc.next()
            #expect(reply.resultObject?["version"] as? String == "0.1.0", "\(reply)")
            seen[reply.rawID ?? "?", default: 0] += 1
        }
        #expect(seen.count == count)
        #expect(Set(seen.keys) == Set((0..<count).map(String.init)))
        #expect(seen.values.allSatisfy { $0 == 1 })
        try await bridge.expectCleanEnd()
    }

    @Test(
        "--max-in-flight 1: 3,000 pipelined requests (more than the queue holds, so reading pauses) are all answered in order"
    )
    func queuedBehindLimit() async throws {
        let bridge = try StdioBridge(["--max-in-flight", "1"])
        defer { bridge.process.kill() }
        let count = 3_000
        let burst = (0..<count).flatMap { Framing.lines.frame(RPCPeer.request("session.ping", id: "\($0)")) }
        try bridge.rpc.sendRaw(burst)
        var ids: [String] = []
        for _ in 0..<count { ids.append(try await bridge.rpc.next().rawID ?? "?") }
        #expect(ids == (0..<count).map(String.init), "one at a time means in order")
        try await bridge.expectCleanEnd()
    }

    @Test(
        "20 concurrent pings: progress and replies of different requests never mix inside a frame",
        arguments: [Framing.lines, .contentLength])
    func concurrentProgress(framing: Framing) async throws {
        let bridge = try StdioBridge(framing: framing)
        defer { bridge.process.kill() }
        let burst = (0..<20).flatMap {
            framing.frame(RPCPeer.request("session.ping", params: #"{"delay_ms":300}"#, id: "\($0)"))
        }
        try bridge.rpc.sendRaw(burst)
        var ended: Set<String> = []
        var replied: Set<String> = []
        while replied.count < 20 {
            // Every frame is parsed and checked by the client.
            let message = try await bridge.rpc.next()
            if message.isNotification {
                let token = message.rawParam("token") ?? "?"
                #expect(!replied.contains(token), "progress after the reply of \(token)")
                if message.params?["kind"] as? String == "end" { ended.insert(token) }
            } else {
                let id = message.rawID ?? "?"
                #expect(ended.contains(id), "reply of \(id) before its end progress")
                #expect(message.resultObject?["waited_ms"] as? Int == 300)
                replied.insert(id)
            }
        }
        #expect(replied == Set((0..<20).map(String.init)))
        try await bridge.expectCleanEnd()
    }

    @Test("a batch of 500 requests is answered by one array of 500 replies")
    func bigBatch() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        let members = (0..<500).map { RPCPeer.request($0 % 2 == 0 ? "session.info" : "session.ping", id: "\($0)") }
        try bridge.rpc.send("[" + members.joined(separator: ",") + "]")
        let reply = try await bridge.rpc.next()
        let replies = try #require(reply.batch)
        #expect(replies.count == 500)
        #expect(Set(replies.compactMap(\.rawID)) == Set((0..<500).map(String.init)))
        #expect(replies.allSatisfy { $0.hasResult })
        try await bridge.expectCleanEnd()
    }
}
