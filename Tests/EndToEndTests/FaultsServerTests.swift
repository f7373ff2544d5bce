import Foundation
import Testing

/// The repo API server killed (SIGKILL) while clients write to it: its
/// SQLite file passes an integrity check afterwards, every write it
/// acknowledged is there after a restart on the same file, and it serves on.
@Suite("Faults: the repo API server killed during writes", .timeLimit(.minutes(3)))
struct FaultsServerTests {
    static let writes = 200

    @Test("SIGKILL amid 200 concurrent pipe writes: the database is intact and every acknowledged write survives")
    func killDuringWrites() async throws {
        let first = try await RepoServer()
        let database = first.directory.file("repo.sqlite")
        let bridge = try StdioBridge()
        let rpc = bridge.rpc
        _ = try await rpc.call(
            "account.register",
            params: #"{"username":"gus","email":"gus@example.org","password":"gus-pw-1","server":"\#(first.url)"}"#,
            id: "1")
        _ = try await rpc.call("mode.switch", params: #"{"mode":"server"}"#, id: "2")

        // Every write is sent at once; the bridge runs up to 64 of them against
        // the server at a time. The server dies once a quarter are answered.
        for index in 0..<Self.writes {
            try rpc.send(
                RPCPeer.request(
                    "pipes.upsert",
                    params:
                        #"{"settings":{"name":"p\#(index)","protocol":"file","options":{"remotepath":"/data/p\#(index)"}}}"#,
                    id: "\(1000 + index)"))
        }
        var acknowledged: Set<String> = []
        var refused = 0
        var answered = 0
        while answered < Self.writes {
            let reply = try await rpc.next()
            if reply.isNotification { continue }
            answered += 1
            let index = try #require(reply.rawID.flatMap(Int.init).map { $0 - 1000 }, "\(reply.text)")
            if reply.error == nil {
                acknowledged.insert("p\(index)")
            } else {
                #expect(reply.errorType == "RemoteError", "\(reply.text)")
                refused += 1
            }
            if answered == Self.writes / 4 { first.process.signal(SIGKILL) }
        }
        _ = try await first.process.waitForExit()
        #expect(acknowledged.count + refused == Self.writes)
        #expect(try Self.integrityCheck(database) == "ok")

        let second = try await RepoServer(database: database)
        let switched = try await rpc.call(
            "mode.switch", params: #"{"mode":"server","server":"\#(second.url)"}"#, id: "3")
        #expect(switched.resultObject?["username"] as? String == "gus", "the account survived: \(switched.text)")
        let listed = try #require(try await rpc.call("pipes.list", id: "4").result as? [String])
        #expect(acknowledged.isSubset(of: Set(listed)), "acknowledged but lost: \(acknowledged.subtracting(listed))")
        let again = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"after","protocol":"file","options":{"remotepath":"/data/a"}}}"#,
            id: "5")
        #expect(again.error == nil, "the restarted server takes writes: \(again.text)")
        try await bridge.expectCleanEnd()
    }

    /// SQLite's own check of the file (Python's sqlite3, as the server is not running on it).
    static func integrityCheck(_ database: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])",
            database,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
