import Foundation
import Testing

/// Local mode through the bridge: profiles, pipes on a directory remote,
/// push and pull between two profiles, and the errors clients match on.
@Suite("Local mode over the bridge", .timeLimit(.minutes(1)))
struct LocalModeTests {
    @Test("define a pipe, push, pull into a second profile, preview changes, get a Conflict with its files")
    func pushPullBetweenProfiles() async throws {
        let bridge = try StdioBridge()
        let root = bridge.directory.path
        let remote = root + "/shared"
        let rpc = bridge.rpc
        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/alice"}"#, id: "1")
        let upsert = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"demo","protocol":"file","options":{"remotepath":"\#(remote)"}}}"#,
            id: "2")
        #expect(upsert.resultObject?["created"] as? Bool == true)
        try FileManager.default.createDirectory(atPath: root + "/alice/demo/sub", withIntermediateDirectories: true)
        try "1,2\n".write(toFile: root + "/alice/demo/a.csv", atomically: true, encoding: .utf8)
        try "notes".write(toFile: root + "/alice/demo/sub/b.txt", atomically: true, encoding: .utf8)

        let preview = try await rpc.call("pipe.push_preview", params: #"{"pipe":"demo"}"#, id: "3")
        #expect(preview.resultObject?["files"] as? [String] == ["a.csv", "sub/b.txt"])
        #expect(preview.resultObject?["bytes"] as? Int == 9)
        let pushed = try await rpc.call("pipe.push", params: #"{"pipe":"demo"}"#, id: "4")
        #expect(pushed.resultObject?["files"] as? [String] == ["a.csv", "sub/b.txt"])
        #expect(FileManager.default.fileExists(atPath: remote + "/sub/b.txt"))

        _ = try await rpc.call("session.configure", params: #"{"profile":"bob"}"#, id: "5")
        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/bob"}"#, id: "6")
        _ = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"demo","protocol":"file","options":{"remotepath":"\#(remote)"}}}"#,
            id: "7")
        let pulled = try await rpc.call("pipe.pull", params: #"{"pipe":"demo"}"#, id: "8")
        #expect(pulled.resultObject?["files"] as? [String] == ["a.csv", "sub/b.txt"])
        #expect(try String(contentsOfFile: root + "/bob/demo/a.csv", encoding: .utf8) == "1,2\n")
        let synced = try await rpc.call("pipe.is_synced", params: #"{"pipe":"demo"}"#, id: "9")
        #expect(synced.resultObject?["synced"] as? Bool == true)
        #expect(
            try await rpc.call("pipe.files", params: #"{"pipe":"demo"}"#, id: "10").result as? [String] == [
                "a.csv", "sub/b.txt",
            ])

        try "bob was here".write(toFile: root + "/bob/demo/a.csv", atomically: true, encoding: .utf8)
        try "3,4\n".write(toFile: remote + "/a.csv", atomically: true, encoding: .utf8)
        let pending = try await rpc.call("pipe.pull_preview", params: #"{"pipe":"demo","cached":false}"#, id: "11")
        #expect(pending.resultObject?["files"] as? [String] == ["a.csv"])
        let conflict = try await rpc.call("pipe.pull", params: #"{"pipe":"demo"}"#, id: "12")
        #expect(conflict.errorCode == -32004)
        #expect(conflict.errorType == "Conflict")
        #expect(conflict.errorData?["files"] as? [String] == ["a.csv"])
        #expect(try String(contentsOfFile: root + "/bob/demo/a.csv", encoding: .utf8) == "bob was here")
        let notSynced = try await rpc.call("pipe.push", params: #"{"pipe":"demo"}"#, id: "13")
        #expect(notSynced.errorType == "NotSynced")
        #expect(notSynced.errorData?["files"] as? [String] == ["a.csv"])
        try await bridge.expectCleanEnd()
    }

    @Test("progress notifications of a pull carry file and byte counts, before the reply")
    func pullProgress() async throws {
        let bridge = try StdioBridge()
        let root = bridge.directory.path
        try FileManager.default.createDirectory(atPath: root + "/shared", withIntermediateDirectories: true)
        try String(repeating: "x", count: 1000).write(
            toFile: root + "/shared/big.bin", atomically: true, encoding: .utf8)
        _ = try await bridge.rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"p","protocol":"file","options":{"remotepath":"\#(root)/shared"}}}"#,
            id: "1")
        try bridge.rpc.send(#"{"jsonrpc":"2.0","id":"pull","method":"pipe.pull","params":{"pipe":"p"}}"#)
        var kinds: [String] = []
        while true {
            let message = try await bridge.rpc.next()
            if message.object?["method"] as? String == "$/progress" {
                let params = message.object?["params"] as? [String: Any]
                kinds.append(params?["kind"] as? String ?? "?")
                #expect(params?["token"] as? String == "pull")
                #expect(params?["files_total"] as? Int == 1)
                #expect(params?["bytes_total"] as? Int == 1000)
                continue
            }
            #expect(message.resultObject?["bytes"] as? Int == 1000)
            break
        }
        #expect(kinds.first == "begin")
        #expect(kinds.last == "end")
        try await bridge.expectCleanEnd()
    }

    @Test("settings errors name the field; unknown pipes are NotFound; secrets stay hidden")
    func errorsAndSecrets() async throws {
        let bridge = try StdioBridge()
        let rpc = bridge.rpc
        let bad = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"p","protocol":"file","options":{"remotepath":"/r","dir":"C:\\x"}}}"#,
            id: "1")
        #expect(bad.errorType == "InvalidSettings")
        #expect(bad.errorData?["field"] as? String == "options.dir")
        let missing = try await rpc.call("pipe.pull", params: #"{"pipe":"nope"}"#, id: "2")
        #expect(missing.errorType == "NotFound")
        _ = try await rpc.call("config.update", params: #"{"changes":{"token":"s3cret-token"}}"#, id: "3")
        let shown = try await rpc.call("config.load", id: "4")
        #expect(shown.resultObject?["token"] as? String == "***")
        let revealed = try await rpc.call("config.load", params: #"{"reveal":true}"#, id: "5")
        #expect(revealed.resultObject?["token"] as? String == "s3cret-token")
        _ = try await rpc.call(
            "pipes.upsert",
            params:
                #"{"settings":{"name":"q","protocol":"file","options":{"remotepath":"/r"},"credentials":{"password":"hunter2"}}}"#,
            id: "6")
        let listed = try await rpc.call("pipes.list", params: #"{"names_only":false}"#, id: "7")
        #expect(!listed.text.contains("hunter2"))
        #expect(!bridge.process.stderr.text.contains("s3cret-token"))
        try await bridge.expectCleanEnd()
    }
}
