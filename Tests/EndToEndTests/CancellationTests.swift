import Foundation
import Testing

@Suite("Progress and cancellation", .timeLimit(.minutes(1)))
struct CancellationTests {
    static func cancel(_ rawID: String) -> String {
        RPCPeer.notification("$/cancelRequest", params: #"{"id":\#(rawID)}"#)
    }

    /// Waits for the `begin` progress of the request whose token is `token`:
    /// from then on its handler is running.
    static func waitForBegin(_ rpc: RPCPeer, token: String) async throws {
        while true {
            let message = try await rpc.next()
            guard message.isNotification else {
                Issue.record("a reply came before the request began: \(message)")
                return
            }
            if message.method == "$/progress", message.rawParam("token") == token,
                message.params?["kind"] as? String == "begin"
            {
                return
            }
        }
    }

    @Test(
        "$/cancelRequest stops session.ping {delay_ms: 60000} with -32800 well before the delay",
        arguments: [
            (Framing.lines, #""slow""#),
            (Framing.contentLength, "9223372036854775807"),
            (Framing.lines, "-9223372036854775808"),
        ])
    func cancelRunning(framing: Framing, id: String) async throws {
        let bridge = try StdioBridge(framing: framing)
        defer { bridge.process.kill() }
        let started = ContinuousClock.now
        try bridge.rpc.send(RPCPeer.request("session.ping", params: #"{"delay_ms":60000}"#, id: id))
        try await Self.waitForBegin(bridge.rpc, token: id)
        try bridge.rpc.send(Self.cancel(id))
        let (reply, _) = try await bridge.rpc.reply(to: id, timeout: .seconds(90))
        let elapsed = ContinuousClock.now - started
        #expect(reply.errorCode == -32800, "\(reply)")
        #expect(!reply.hasResult)
        #expect(elapsed < .seconds(45), "cancelled after \(elapsed), the delay was 60 s")
        try await bridge.expectStillServing()
        try await bridge.expectCleanEnd()
    }

    @Test("--max-in-flight 1: cancelling a queued request answers it at once; the running one is unaffected")
    func cancelQueued() async throws {
        let bridge = try StdioBridge(["--max-in-flight", "1"])
        defer { bridge.process.kill() }
        try bridge.rpc.send(RPCPeer.request("session.ping", params: #"{"delay_ms":60000}"#, id: #""running""#))
        try await Self.waitForBegin(bridge.rpc, token: #""running""#)
        try bridge.rpc.send(RPCPeer.request("session.ping", params: #"{"delay_ms":60000}"#, id: #""queued""#))
        try bridge.rpc.send(Self.cancel(#""queued""#))
        let (queued, notes) = try await bridge.rpc.reply(to: #""queued""#, timeout: .seconds(60))
        #expect(queued.errorCode == -32800, "\(queued)")
        #expect(notes.allSatisfy { $0.rawParam("token") == #""running""# }, "the queued request never ran")

        try bridge.rpc.send(Self.cancel(#""running""#))
        let (running, _) = try await bridge.rpc.reply(to: #""running""#, timeout: .seconds(60))
        #expect(running.errorCode == -32800)
        try await bridge.expectCleanEnd()
    }

    @Test("cancelling an unknown or finished request is ignored")
    func cancelUnknown() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        let done = try await bridge.rpc.call("session.ping", id: "1")
        #expect(done.hasResult)
        try bridge.rpc.send(Self.cancel("1"))
        try bridge.rpc.send(Self.cancel(#""never-sent""#))
        try bridge.rpc.send(RPCPeer.notification("$/cancelRequest", params: "{}"))
        try bridge.rpc.send(RPCPeer.request("session.ping", id: "2"))
        let next = try await bridge.rpc.next()
        #expect(next.rawID == "2", "\(next)")
        #expect(next.hasResult)
        try await bridge.expectCleanEnd()
    }

    @Test(
        "$/progress notifications (begin, report…, end) precede the reply and carry the request id as token",
        arguments: [
            "42", #""ping-1""#, "9223372036854775807",
        ])
    func progressUsesRequestID(id: String) async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(RPCPeer.request("session.ping", params: #"{"delay_ms":350}"#, id: id))
        let (reply, notes) = try await bridge.rpc.reply(to: id)
        #expect(reply.resultObject?["pong"] as? Bool == true)
        #expect(reply.resultObject?["waited_ms"] as? Int == 350)
        #expect(notes.allSatisfy { $0.method == "$/progress" })
        #expect(notes.allSatisfy { $0.rawParam("token") == id }, "\(notes)")
        let kinds = notes.compactMap { $0.params?["kind"] as? String }
        #expect(kinds.count == notes.count)
        #expect(kinds.first == "begin")
        #expect(kinds.last == "end")
        #expect(kinds.dropFirst().dropLast().allSatisfy { $0 == "report" })
        #expect(kinds.filter { $0 == "report" }.count >= 3, "one report per 100 ms: \(kinds)")
        #expect(notes.allSatisfy { $0.params?["message"] is String })
        try await bridge.expectCleanEnd()
    }

    @Test("progress_token in the params replaces the request id as token", arguments: [#""my-token""#, "7"])
    func customProgressToken(token: String) async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(
            RPCPeer.request("session.ping", params: #"{"delay_ms":250,"progress_token":\#(token)}"#, id: #""req""#))
        let (reply, notes) = try await bridge.rpc.reply(to: #""req""#)
        #expect(reply.resultObject?["waited_ms"] as? Int == 250)
        #expect(!notes.isEmpty)
        #expect(notes.allSatisfy { $0.rawParam("token") == token }, "\(notes)")
        try await bridge.expectCleanEnd()
    }

    @Test("session.ping without a delay sends no progress")
    func noDelayNoProgress() async throws {
        let bridge = try StdioBridge()
        defer { bridge.process.kill() }
        try bridge.rpc.send(RPCPeer.request("session.ping", id: "1"))
        let first = try await bridge.rpc.next()
        #expect(first.rawID == "1")
        #expect(first.resultObject?["waited_ms"] as? Int == 0)
        try await bridge.expectCleanEnd()
    }
}
