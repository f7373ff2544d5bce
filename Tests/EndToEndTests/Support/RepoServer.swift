// The repo API server as the end-to-end tests start it, and joining it from a bridge session.

import Foundation
import TestSupport
import Testing

extension RPCPeer {
    /// Registers `user` (`<user>@example.org`, password `<user>-pw-1`) on
    /// `server` from the session's profile and switches that profile to
    /// server mode; uses ids `id` and `id + 1`.
    func joinServer(_ server: RepoServer, as user: String, id: Int) async throws {
        let registered = try await call(
            "account.register",
            params:
                #"{"username":"\#(user)","email":"\#(user)@example.org","password":"\#(user)-pw-1","server":"\#(server.url)"}"#,
            id: "\(id)")
        try #require(registered.error == nil, "\(registered)")
        let switched = try await call("mode.switch", params: #"{"mode":"server"}"#, id: "\(id + 1)")
        try #require(switched.error == nil, "\(switched)")
    }
}

/// `datapipe serve` on a free loopback port with a database in a scratch
/// folder, or on `database` (a restart on another server's file).
final class RepoServer: Sendable {
    let directory: ScratchDirectory
    let process: BridgeProcess
    let url: String

    init(database: String? = nil, arguments: [String] = [], environment: [String: String] = [:]) async throws {
        directory = try ScratchDirectory()
        process = try BridgeProcess(
            arguments: ["serve", "--listen", "127.0.0.1:0", "--db", database ?? directory.file("repo.sqlite")]
                + arguments, home: directory.path, environment: environment)
        guard let stdout = process.stdout else { throw HarnessError("serve has no stdout") }
        let line = try await stdout.waitForText(containing: "}")
        guard let start = line.firstIndex(of: ":"), let end = line.firstIndex(of: "}"),
            let port = Int(line[line.index(after: start)..<end].trimmingCharacters(in: .whitespaces))
        else {
            throw HarnessError("serve printed no port: \(line)")
        }
        url = "http://127.0.0.1:\(port)"
    }

    deinit { process.kill() }
}
