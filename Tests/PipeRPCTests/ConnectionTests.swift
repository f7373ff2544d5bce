import PipeJSON
import Testing

@testable import PipeRPC

@Suite("JSON-RPC engine over an in-memory transport", .timeLimit(.minutes(1)))
struct ConnectionTests {
    @Test("a request is answered with result and no error key; the id is echoed")
    func request() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":"abc","method":"test.echo","params":{"text":"hi","times":2}}"#)
        let reply = try await replies.next()
        #expect(reply == ["jsonrpc": "2.0", "id": "abc", "result": "hihi"])
        #expect(reply["error"] == nil)
    }

    @Test("by-position params map onto the declared order; too many are refused")
    func positional() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":1,"method":"test.echo","params":["ab",3]}"#)
        #expect(try await replies.next()["result"] == "ababab")
        connection.send(#"{"jsonrpc":"2.0","id":2,"method":"test.echo","params":["ab",3,4]}"#)
        let reply = try await replies.next()
        #expect(reply["error"]?["code"] == -32602)
        #expect(reply["id"] == 2)
    }

    @Test("the id survives a params decode failure, and the message names the field")
    func badParams() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":9,"method":"test.echo","params":{"text":3}}"#)
        let reply = try await replies.next()
        #expect(reply["id"] == 9)
        #expect(reply["error"]?["code"] == -32602)
        #expect(reply["error"]?["message"] == "Invalid params: text: expected a string, got 3")
        #expect(reply["error"]?["data"]?["path"] == "text")
        connection.send(#"{"jsonrpc":"2.0","id":10,"method":"test.echo","params":{"text":"a","colour":1}}"#)
        let unknown = try await replies.next()
        #expect(unknown["error"]?["data"]?["path"] == "colour")
        connection.send(#"{"jsonrpc":"2.0","id":11,"method":"test.echo"}"#)
        #expect(try await replies.next()["error"]?["message"] == "Invalid params: text: missing required field")
    }

    @Test("notifications run but are never answered")
    func notifications() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","method":"test.echo","params":{"text":"x"}}"#)
        connection.send(#"{"jsonrpc":"2.0","method":"no.such.method"}"#)
        connection.send(#"{"jsonrpc":"2.0","method":"$/unknownNotification","params":{}}"#)
        connection.send(#"{"jsonrpc":"2.0","id":1,"method":"test.echo","params":{"text":"after"}}"#)
        #expect(try await replies.next()["result"] == "after")
    }

    @Test("unknown methods, including $/ requests, get -32601")
    func unknownMethods() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":1,"method":"nope"}"#)
        #expect(try await replies.next()["error"]?["code"] == -32601)
        connection.send(#"{"jsonrpc":"2.0","id":2,"method":"$/whatever"}"#)
        #expect(try await replies.next()["error"]?["code"] == -32601)
    }

    @Test("invalid requests get -32600 and keep their id when it was readable")
    func invalidRequests() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"1.0","id":5,"method":"test.echo"}"#)
        var reply = try await replies.next()
        #expect(reply["error"]?["code"] == -32600)
        #expect(reply["id"] == 5)
        connection.send(#"{"jsonrpc":"2.0","id":{"x":1},"method":"test.echo"}"#)
        reply = try await replies.next()
        #expect(reply["error"]?["code"] == -32600)
        #expect(reply["id"] == .null)
        connection.send(#"{"jsonrpc":"2.0","id":6,"method":"test.echo","params":"bar"}"#)
        #expect(try await replies.next()["error"]?["code"] == -32600)
        connection.send("{broken")
        reply = try await replies.next()
        #expect(reply["error"]?["code"] == -32700)
        #expect(reply["id"] == .null)
    }

    @Test("\"id\": null is a request (answered with id null), not a notification")
    func nullID() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":null,"method":"test.echo","params":{"text":"n"}}"#)
        let reply = try await replies.next()
        #expect(reply["id"] == .null)
        #expect(reply["result"] == "n")
    }

    @Test("batches: mixed members, empty batch, notifications only")
    func batches() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(
            #"[{"jsonrpc":"2.0","id":1,"method":"test.echo","params":{"text":"a"}},{"jsonrpc":"2.0","method":"test.echo","params":{"text":"n"}},1,{"jsonrpc":"2.0","id":2,"method":"nope"}]"#
        )
        guard case .array(let members) = try await replies.next() else {
            Issue.record("a batch is answered with an array")
            return
        }
        #expect(members.count == 3)
        #expect(members.contains { $0["id"] == 1 && $0["result"] == "a" })
        #expect(members.contains { $0["id"] == .null && $0["error"]?["code"] == -32600 })
        #expect(members.contains { $0["id"] == 2 && $0["error"]?["code"] == -32601 })

        connection.send("[]")
        let empty = try await replies.next()
        #expect(empty["error"]?["code"] == -32600)

        connection.send(#"[{"jsonrpc":"2.0","method":"test.echo","params":{"text":"n"}}]"#)
        connection.send(#"{"jsonrpc":"2.0","id":3,"method":"test.echo","params":{"text":"next"}}"#)
        #expect(try await replies.next()["id"] == 3)
    }

    @Test("handler failures become -32603 without leaking what went wrong")
    func internalErrors() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":1,"method":"test.boom"}"#)
        let reply = try await replies.next()
        #expect(reply["error"]?["code"] == -32603)
        #expect(!reply.description.contains("hunter2"))
    }

    @Test("the gate refuses calls with the domain error it throws")
    func gate() async throws {
        let (connection, sink) = makeConnection(session: TestSession(allowed: false))
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":1,"method":"test.progress"}"#)
        let reply = try await replies.next()
        #expect(reply["error"]?["code"] == -32001)
        #expect(reply["error"]?["data"]?["type"] == "AuthRequired")
        connection.send(#"{"jsonrpc":"2.0","id":2,"method":"test.echo","params":{"text":"ok"}}"#)
        #expect(try await replies.next()["result"] == "ok")
    }

    @Test("progress and log notifications precede the reply; the token is the id or progress_token")
    func progress() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":"p1","method":"test.progress"}"#)
        let begin = try await replies.next()
        #expect(begin["method"] == "$/progress")
        #expect(begin["params"]?["token"] == "p1")
        #expect(begin["params"]?["kind"] == "begin")
        #expect(begin["params"]?["files_total"] == 2)
        let log = try await replies.next()
        #expect(log["method"] == "$/log")
        #expect(log["params"] == ["level": "warning", "message": "careful"])
        #expect(try await replies.next()["params"]?["kind"] == "end")
        #expect(try await replies.next()["result"] == 2)

        connection.send(#"{"jsonrpc":"2.0","id":7,"method":"test.progress","params":{"progress_token":"bar"}}"#)
        #expect(try await replies.next()["params"]?["token"] == "bar")
    }

    @Test("$/cancelRequest cancels a running request, which answers -32800")
    func cancelRunning() async throws {
        let started = Latch()
        let (connection, sink) = makeConnection(registry: makeRegistry(started: started))
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":42,"method":"test.hang"}"#)
        await started.wait()
        connection.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":42}}"#)
        let reply = try await replies.next()
        #expect(reply["id"] == 42)
        #expect(reply["error"]?["code"] == -32800)
    }

    @Test("at most maxInFlight run; the rest wait, can be cancelled while waiting, and run in order")
    func inFlightLimit() async throws {
        let release = Latch()
        let started = Latch()
        let options = ConnectionOptions(maxInFlight: 1)
        let (connection, sink) = makeConnection(
            registry: makeRegistry(started: started, release: release), options: options)
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":1,"method":"test.hang"}"#)
        await started.wait()
        connection.send(#"{"jsonrpc":"2.0","id":2,"method":"test.echo","params":{"text":"queued"}}"#)
        connection.send(#"{"jsonrpc":"2.0","id":3,"method":"test.echo","params":{"text":"dropped"}}"#)
        connection.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":3}}"#)
        // The queued request 3 is answered at once, while 1 still holds the only slot.
        let cancelled = try await replies.next()
        #expect(cancelled["id"] == 3)
        #expect(cancelled["error"]?["code"] == -32800)
        release.open()
        #expect(try await replies.next()["id"] == 1)
        #expect(try await replies.next()["result"] == "queued")
    }

    @Test("a full queue pauses reading and resumes it when drained")
    func pacing() async throws {
        let release = Latch()
        let started = Latch()
        let pacing = RecordingPacing()
        let options = ConnectionOptions(maxInFlight: 1, maxQueued: 4)
        let (connection, sink) = makeConnection(
            registry: makeRegistry(started: started, release: release), options: options, pacing: pacing)
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":0,"method":"test.hang"}"#)
        await started.wait()
        for id in 1...4 {
            connection.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"test.echo","params":{"text":"x"}}"#)
        }
        #expect(pacing.changes.withLock { $0 } == [true])
        release.open()
        for _ in 0...4 { _ = try await replies.next() }
        #expect(pacing.changes.withLock { $0 } == [true, false])
    }

    @Test("end of input: running requests finish, then the output closes")
    func drainOnClose() async throws {
        let release = Latch()
        let started = Latch()
        let (connection, sink) = makeConnection(registry: makeRegistry(started: started, release: release))
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":1,"method":"test.hang"}"#)
        await started.wait()
        connection.inputClosed()
        #expect(sink.finished.withLock { $0 } == false)
        release.open()
        await connection.waitUntilFinished()
        #expect(try await replies.next()["result"] == true)
        #expect(await replies.atEnd())
    }

    @Test("end of input with a request that will not finish: cancelled after the drain timeout")
    func drainTimeout() async throws {
        let started = Latch()
        let options = ConnectionOptions(drainTimeout: .milliseconds(100))
        let (connection, sink) = makeConnection(registry: makeRegistry(started: started), options: options)
        var replies = ReplyReader(sink)
        connection.send(#"{"jsonrpc":"2.0","id":1,"method":"test.hang"}"#)
        await started.wait()
        connection.inputClosed()
        await connection.waitUntilFinished()
        #expect(try await replies.next()["error"]?["code"] == -32800)
    }

    @Test("Content-Length peers get Content-Length replies")
    func contentLengthReplies() async throws {
        let (connection, sink) = makeConnection()
        let body = #"{"jsonrpc":"2.0","id":1,"method":"test.echo","params":{"text":"cl"}}"#
        connection.receive(Array("Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        var iterator = sink.frames.makeAsyncIterator()
        let frame = String(decoding: await iterator.next() ?? [], as: UTF8.self)
        let expectedBody = #"{"jsonrpc":"2.0","id":1,"result":"cl"}"#
        #expect(frame == "Content-Length: \(expectedBody.utf8.count)\r\n\r\n\(expectedBody)")
    }

    @Test("1,000 pipelined requests in one chunk: each answered exactly once")
    func pipelined() async throws {
        let (connection, sink) = makeConnection()
        var replies = ReplyReader(sink)
        var input = ""
        for id in 1...1000 {
            input += #"{"jsonrpc":"2.0","id":\#(id),"method":"test.echo","params":{"text":"x"}}"# + "\n"
        }
        connection.receive(Array(input.utf8))
        var seen = Set<Int64>()
        for _ in 1...1000 {
            let reply = try await replies.next()
            seen.insert(reply["id"]?.integerValue ?? -1)
        }
        #expect(seen == Set(1...1000))
    }
}
