import Foundation
import TestSupport
import Testing

/// Server mode through the bridge against a real `datapipe serve`: accounts,
/// the mode switch, pipes kept on the server, pull and push with the
/// server's grants, and the errors clients match on.
@Suite("Server mode over the bridge", .timeLimit(.minutes(3)))
struct ServerModeTests {
    @Test("register, switch to server, push as owner, share read, pull as reader, refuse a stranger, switch back")
    func shareThroughServer() async throws {
        let server = try await RepoServer()
        let bridge = try StdioBridge()
        let root = bridge.directory.path
        let remote = root + "/remote"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let rpc = bridge.rpc

        // alice: registers, switches, defines the pipe and pushes.
        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/alice"}"#, id: "1")
        let registered = try await rpc.call(
            "account.register",
            params:
                #"{"username":"alice","email":"alice@example.org","password":"alice-pw-1","server":"\#(server.url)"}"#,
            id: "2")
        #expect(registered.resultObject?["username"] as? String == "alice")
        #expect(registered.text.contains("token") == false)
        let loaded = try await rpc.call("config.load", id: "3")
        #expect(loaded.resultObject?["token"] as? String == "***")
        let switched = try await rpc.call("mode.switch", params: #"{"mode":"server"}"#, id: "4")
        #expect(switched.resultObject?["mode"] as? String == "server")
        #expect(switched.resultObject?["username"] as? String == "alice")
        let upsert = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"shared","protocol":"file","options":{"remotepath":"\#(remote)"}}}"#,
            id: "5")
        #expect(upsert.resultObject?["created"] as? Bool == true)
        try FileManager.default.createDirectory(atPath: root + "/alice/shared", withIntermediateDirectories: true)
        try "1,2\n".write(toFile: root + "/alice/shared/a.csv", atomically: true, encoding: .utf8)
        let pushed = try await rpc.call("pipe.push", params: #"{"pipe":"shared"}"#, id: "6")
        #expect(pushed.resultObject?["files"] as? [String] == ["a.csv"])
        #expect(FileManager.default.fileExists(atPath: remote + "/a.csv"))

        // bob: a second profile and account, granted read by alice.
        _ = try await rpc.call("session.configure", params: #"{"profile":"bob"}"#, id: "7")
        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/bob"}"#, id: "8")
        try await rpc.joinServer(server, as: "bob", id: 9)
        let hidden = try await rpc.call("pipes.get", params: #"{"name":"shared"}"#, id: "11")
        #expect(["PermissionDenied", "NotFound"].contains(hidden.errorType ?? ""))
        _ = try await rpc.call("session.configure", params: #"{"profile":"default"}"#, id: "12")
        let granted = try await rpc.call(
            "permissions.set", params: #"{"pipe":"shared","username":"bob","role":"read"}"#, id: "13")
        #expect(granted.error == nil)
        _ = try await rpc.call("session.configure", params: #"{"profile":"bob"}"#, id: "14")
        let listed = try await rpc.call("pipes.list", id: "15")
        #expect(listed.result as? [String] == ["shared"])
        let pulled = try await rpc.call("pipe.pull", params: #"{"pipe":"shared"}"#, id: "16")
        #expect(pulled.resultObject?["files"] as? [String] == ["a.csv"])
        #expect(try String(contentsOfFile: root + "/bob/shared/a.csv", encoding: .utf8) == "1,2\n")
        try "bob".write(toFile: root + "/bob/shared/b.csv", atomically: true, encoding: .utf8)
        let readOnly = try await rpc.call("pipe.push", params: #"{"pipe":"shared"}"#, id: "17")
        #expect(readOnly.errorType == "PermissionDenied")
        #expect(!FileManager.default.fileExists(atPath: remote + "/b.csv"))

        // carol: no grant, so a permission error naming the server, never a token.
        _ = try await rpc.call("session.configure", params: #"{"profile":"carol"}"#, id: "18")
        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/carol"}"#, id: "19")
        _ = try await rpc.call(
            "account.register",
            params:
                #"{"username":"carol","email":"carol@example.org","password":"carol-pw-1","server":"\#(server.url)"}"#,
            id: "20")
        _ = try await rpc.call("mode.switch", params: #"{"mode":"server"}"#, id: "21")
        let refused = try await rpc.call("pipe.pull", params: #"{"pipe":"shared"}"#, id: "22")
        #expect(refused.errorCode == -32002)
        #expect(refused.errorType == "PermissionDenied")
        #expect(refused.errorData?["status"] as? Int == 403)
        #expect(refused.errorData?["server"] as? String == server.url)
        let token = try await rpc.call("token.get", id: "23").resultObject?["token"] as? String
        #expect(token?.count == 64)
        #expect(!refused.text.contains(token ?? "no token"))
        #expect(!FileManager.default.fileExists(atPath: root + "/carol/shared/a.csv"))

        // Back to local mode: pipes come from the profile's own database again.
        let local = try await rpc.call("mode.switch", params: #"{"mode":"local"}"#, id: "24")
        #expect(local.resultObject?["mode"] as? String == "local")
        #expect(try await rpc.call("pipes.list", id: "25").result as? [String] == [])
        let serverOnly = try await rpc.call(
            "permissions.set", params: #"{"pipe":"shared","username":"bob","role":"read"}"#, id: "26")
        #expect(serverOnly.errorType == "ServerOnly")
        try await bridge.expectCleanEnd()
    }

    @Test("mode.switch refuses server mode without a URL, and names an unreachable server")
    func switchErrors() async throws {
        let bridge = try StdioBridge()
        let rpc = bridge.rpc
        let missing = try await rpc.call("mode.switch", params: #"{"mode":"server"}"#, id: "1")
        #expect(missing.errorType == "InvalidSettings")
        #expect(missing.errorData?["field"] as? String == "server")
        let port = try freeLoopbackPort()
        let unreachable = try await rpc.call(
            "mode.switch", params: #"{"mode":"server","server":"http://127.0.0.1:\#(port)"}"#, id: "2")
        #expect(unreachable.errorType == "RemoteError")
        #expect(unreachable.errorMessage?.contains("http://127.0.0.1:\(port)") == true)
        #expect(try await rpc.call("mode.get", id: "3").resultObject?["mode"] as? String == "local")
        let wrongLogin = try await rpc.call(
            "account.login",
            params: #"{"username":"nobody","password":"secret-pw","server":"http://127.0.0.1:\#(port)"}"#,
            id: "4")
        #expect(wrongLogin.errorType == "RemoteError")
        #expect(!wrongLogin.text.contains("secret-pw"))
        try await bridge.expectCleanEnd()
    }
}

extension ServerModeTests {
    @Test("login retrieves the registered token; a taken name and an unknown token are typed errors without secrets")
    func accountsAndTokens() async throws {
        let server = try await RepoServer()
        let bridge = try StdioBridge(["--log-level", "trace"])
        let rpc = bridge.rpc
        _ = try await rpc.call(
            "account.register",
            params: #"{"username":"dana","email":"dana@example.org","password":"dana-pw-1","server":"\#(server.url)"}"#,
            id: "1")
        let registered = try await rpc.call("token.get", id: "2").resultObject?["token"] as? String
        #expect(registered?.count == 64)
        _ = try await rpc.call("token.set", params: #"{"token":null}"#, id: "3")
        #expect(try await rpc.call("token.get", id: "4").resultObject?["token"] is NSNull)
        let login = try await rpc.call(
            "account.login", params: #"{"username":"dana","password":"dana-pw-1"}"#, id: "5")
        #expect(login.resultObject?["server"] as? String == server.url)
        #expect(try await rpc.call("token.get", id: "6").resultObject?["token"] as? String == registered)

        let taken = try await rpc.call(
            "account.register",
            params: #"{"username":"dana","email":"other@example.org","password":"taken-pw-2"}"#, id: "7")
        #expect(taken.errorType == "InvalidSettings")
        #expect(taken.errorData?["status"] as? Int == 400)
        #expect(taken.errorMessage?.contains("unique") == true)
        #expect(!taken.text.contains("taken-pw-2"))
        let wrongPassword = try await rpc.call(
            "account.login", params: #"{"username":"dana","password":"wrong-pw-3"}"#, id: "8")
        #expect(wrongPassword.error != nil)
        #expect(!wrongPassword.text.contains("wrong-pw-3"))

        let bogus = String(repeating: "0", count: 64)
        _ = try await rpc.call("mode.switch", params: #"{"mode":"server"}"#, id: "9")
        _ = try await rpc.call("token.set", params: #"{"token":"\#(bogus)"}"#, id: "10")
        let unknown = try await rpc.call("pipes.list", id: "11")
        #expect(unknown.errorType == "AuthRequired")
        #expect(unknown.errorData?["status"] as? Int == 401)
        #expect(!unknown.text.contains(bogus))
        _ = try await rpc.call("mode.switch", params: #"{"mode":"local"}"#, id: "12")
        let refused = try await rpc.call("mode.switch", params: #"{"mode":"server"}"#, id: "13")
        #expect(refused.errorType == "AuthRequired")
        #expect(try await rpc.call("mode.get", id: "14").resultObject?["mode"] as? String == "local")
        try await bridge.expectCleanEnd()
        let logs = String(decoding: try await bridge.process.stderr.waitForEnd(), as: UTF8.self)
        for secret in ["dana-pw-1", "taken-pw-2", "wrong-pw-3", registered ?? "no token", bogus] {
            #expect(!logs.contains(secret), "a secret in the bridge's trace log")
        }
    }
}

extension ServerModeTests {
    @Test(
        "permissions.list shows the pipe's grants to its owner only; account.unregister needs confirm, then the account is gone"
    )
    func grantsAndUnregister() async throws {
        let server = try await RepoServer()
        let bridge = try StdioBridge()
        let rpc = bridge.rpc
        let remote = bridge.directory.path + "/remote"
        for (index, (profile, user)) in [("erin", "erin"), ("default", "fay")].enumerated() {
            _ = try await rpc.call("session.configure", params: #"{"profile":"\#(profile)"}"#, id: "\(100 + index)")
            try await rpc.joinServer(server, as: user, id: 110 + 2 * index)
        }
        // fay (default profile) owns the pipe and grants erin read, and a future address write.
        _ = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"grants","protocol":"file","options":{"remotepath":"\#(remote)"}}}"#,
            id: "1")
        _ = try await rpc.call(
            "permissions.set", params: #"{"pipe":"grants","username":"erin","role":"read"}"#, id: "2")
        _ = try await rpc.call(
            "permissions.set", params: #"{"pipe":"grants","email":"later@example.org","role":"write"}"#, id: "3")
        let listed = try await rpc.call("permissions.list", params: #"{"pipe":"grants"}"#, id: "4")
        let grants = try #require(listed.resultObject?["permissions"] as? [[String: Any]], "\(listed.text)")
        #expect(grants.count == 2)
        #expect(grants.contains { $0["username"] as? String == "erin" && $0["role"] as? String == "read" })
        #expect(grants.contains { $0["email"] as? String == "later@example.org" && $0["role"] as? String == "write" })

        // erin may read the pipe but not see who else may.
        _ = try await rpc.call("session.configure", params: #"{"profile":"erin"}"#, id: "5")
        let hidden = try await rpc.call("permissions.list", params: #"{"pipe":"grants"}"#, id: "6")
        #expect(hidden.errorType == "PermissionDenied")

        // erin leaves: confirm first, then the token is gone from the profile and the server.
        let unconfirmed = try await rpc.call(
            "account.unregister", params: #"{"username":"erin","confirm":false}"#, id: "7")
        #expect(unconfirmed.errorType == "ConfirmationRequired")
        let token = try await rpc.call("token.get", id: "8").resultObject?["token"] as? String
        #expect(token?.count == 64)
        let gone = try await rpc.call("account.unregister", params: #"{"username":"erin","confirm":true}"#, id: "9")
        #expect(gone.resultObject?["username"] as? String == "erin", "\(gone.text)")
        #expect(try await rpc.call("token.get", id: "10").resultObject?["token"] is NSNull)
        let login = try await rpc.call(
            "account.login", params: #"{"username":"erin","password":"erin-pw-1"}"#, id: "11")
        #expect(login.error != nil, "the account no longer exists")
        _ = try await rpc.call("token.set", params: #"{"token":"\#(token ?? "")"}"#, id: "12")
        #expect(try await rpc.call("pipes.list", id: "13").errorType == "AuthRequired")

        // Only yourself: fay cannot unregister someone else.
        _ = try await rpc.call("session.configure", params: #"{"profile":"default"}"#, id: "14")
        let other = try await rpc.call("account.unregister", params: #"{"username":"erin","confirm":true}"#, id: "15")
        #expect(other.error != nil)
        #expect(try await rpc.call("permissions.list", params: #"{"pipe":"grants"}"#, id: "16").error == nil)
        try await bridge.expectCleanEnd()
    }
}

extension ServerModeTests {
    @Test("scan_remote takes the server's listing; pipe.watch sends pipe/changed as scheduled scans find changes")
    func serverListingAndWatch() async throws {
        let bridge = try StdioBridge()
        let root = bridge.directory.path
        let remote = root + "/remote"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let server = try await RepoServer(arguments: ["--scan-file-root", remote])
        let rpc = bridge.rpc
        func write(_ name: String) throws {
            try "\(name)\n".write(toFile: remote + "/" + name, atomically: true, encoding: .utf8)
        }

        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/alice"}"#, id: "1")
        try await rpc.joinServer(server, as: "alice", id: 2)
        _ = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"watched","protocol":"file","options":{"remotepath":"\#(remote)"}}}"#,
            id: "4")

        // The first cached scan makes the server scan; later ones answer its listing.
        try write("a.csv")
        let first = try await rpc.call("pipe.scan_remote", params: #"{"pipe":"watched"}"#, id: "5")
        #expect(first.result as? [String] == ["a.csv"], "\(first)")
        try write("b.csv")
        let shared = try await rpc.call("pipe.scan_remote", params: #"{"pipe":"watched"}"#, id: "6")
        #expect(shared.result as? [String] == ["a.csv"], "the server's listing, taken before b.csv: \(shared)")
        let own = try await rpc.call("pipe.scan_remote", params: #"{"pipe":"watched","cached":false}"#, id: "7")
        #expect(own.result as? [String] == ["a.csv", "b.csv"], "cached: false lists the remote itself: \(own)")

        // A schedule makes the server rescan; the watch reports each change once.
        let scheduled = try await rpc.call(
            "pipes.upsert", params: #"{"settings":{"name":"watched","options":{"schedule":0.005}}}"#, id: "8")
        #expect(scheduled.error == nil, "\(scheduled)")
        try rpc.send(
            RPCPeer.request("pipe.watch", params: #"{"pipe":"watched","since":0,"interval_ms":100}"#, id: #""w""#))
        var seen: [String] = []
        func changes(until wanted: String) async throws {
            while !seen.contains(wanted) {
                let message = try await rpc.next(timeout: .seconds(60))
                guard message.method == "pipe/changed", let params = message.params else { continue }
                #expect(params["pipe"] as? String == "watched")
                #expect(params["token"] as? String == "w")
                for change in params["changes"] as? [[String: Any]] ?? [] {
                    seen.append("\(change["change"] ?? "?") \(change["filename"] ?? "?")")
                }
            }
        }
        try await changes(until: "added b.csv")
        #expect(seen == ["added a.csv", "added b.csv"])
        try FileManager.default.removeItem(atPath: remote + "/a.csv")
        try write("c.csv")
        try await changes(until: "added c.csv")
        #expect(seen.sorted() == ["added a.csv", "added b.csv", "added c.csv", "removed a.csv"])
        try rpc.send(RPCPeer.notification("$/cancelRequest", params: #"{"id":"w"}"#))
        let cancelled = try await rpc.reply(to: #""w""#, timeout: .seconds(30)).reply
        #expect(cancelled.errorCode == -32800, "\(cancelled)")

        // A bounded watch ends on its own; in local mode there is nothing to watch.
        let bounded = try await rpc.call(
            "pipe.watch", params: #"{"pipe":"watched","interval_ms":100,"duration_ms":300}"#, id: "9")
        #expect(bounded.resultObject?["notifications"] as? Int == 0, "\(bounded)")
        _ = try await rpc.call("session.configure", params: #"{"profile":"loc"}"#, id: "10")
        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/loc"}"#, id: "11")
        let local = try await rpc.call("pipe.watch", params: #"{"pipe":"watched"}"#, id: "12")
        #expect(local.errorType == "ServerOnly", "\(local)")
        try await bridge.expectCleanEnd()
    }
}

extension ServerModeTests {
    @Test("mode.switch migrate: local pipes made on the server, parents first; sync state carries over; a rerun skips")
    func migrateLocalPipes() async throws {
        let server = try await RepoServer()
        let bridge = try StdioBridge()
        let root = bridge.directory.path
        let rpc = bridge.rpc
        for folder in ["remote", "alice/base", "bob"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }

        // bob owns a pipe named "taken" on the server already.
        _ = try await rpc.call("session.configure", params: #"{"profile":"bob"}"#, id: "1")
        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/bob"}"#, id: "2")
        try await rpc.joinServer(server, as: "bob", id: 3)
        _ = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"taken","protocol":"file","options":{"remotepath":"\#(root)/elsewhere"}}}"#,
            id: "5")

        // alice works locally: a parent, a child under it (named so it sorts first), and "taken".
        _ = try await rpc.call("session.configure", params: #"{"profile":"alice"}"#, id: "6")
        _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/alice"}"#, id: "7")
        for (index, settings) in [
            #"{"name":"base","protocol":"file","options":{"remotepath":"\#(root)/remote"}}"#,
            #"{"name":"a-child","protocol":"file","parent":"base","options":{"remotepath":"\#(root)/remote/sub"}}"#,
            #"{"name":"taken","protocol":"file","options":{"remotepath":"\#(root)/mine"}}"#,
        ].enumerated() {
            let made = try await rpc.call("pipes.upsert", params: #"{"settings":\#(settings)}"#, id: "\(10 + index)")
            #expect(made.error == nil, "\(made)")
        }
        try "1,2\n".write(toFile: root + "/alice/base/a.csv", atomically: true, encoding: .utf8)
        let pushed = try await rpc.call("pipe.push", params: #"{"pipe":"base"}"#, id: "13")
        #expect(pushed.resultObject?["files"] as? [String] == ["a.csv"])

        let notYet = try await rpc.call(
            "mode.switch", params: #"{"mode":"server","server":"\#(server.url)","migrate":true}"#, id: "14")
        #expect(notYet.errorType == "AuthRequired", "migrating needs an account: \(notYet)")
        #expect(try await rpc.call("mode.get", id: "15").resultObject?["mode"] as? String == "local")
        _ = try await rpc.call(
            "account.register",
            params:
                #"{"username":"alice","email":"alice@example.org","password":"alice-pw-1","server":"\#(server.url)"}"#,
            id: "16")
        let switched = try await rpc.call("mode.switch", params: #"{"mode":"server","migrate":true}"#, id: "17")
        let result = try #require(switched.resultObject, "\(switched)")
        #expect(result["mode"] as? String == "server")
        #expect(result["migrated"] as? [String] == ["base", "a-child"], "parents first: \(switched)")
        let skipped = result["skipped"] as? [[String: Any]] ?? []
        #expect(skipped.map { $0["name"] as? String } == ["taken"])
        #expect((skipped.first?["reason"] as? String)?.contains("already") == true)

        let listed = try await rpc.call("pipes.list", id: "18")
        #expect(listed.result as? [String] == ["a-child", "base"], "\(listed)")
        let child = try await rpc.call("pipes.get", params: #"{"name":"a-child"}"#, id: "19")
        #expect(child.resultObject?["parent"] as? String == "base", "\(child)")
        let synced = try await rpc.call("pipe.is_synced", params: #"{"pipe":"base"}"#, id: "20")
        #expect(synced.resultObject?["synced"] as? Bool == true, "the local sync state carries over: \(synced)")

        _ = try await rpc.call("mode.switch", params: #"{"mode":"local"}"#, id: "21")
        let again = try await rpc.call("mode.switch", params: #"{"mode":"server","migrate":true}"#, id: "22")
        #expect(again.resultObject?["migrated"] as? [String] == [], "\(again)")
        #expect((again.resultObject?["skipped"] as? [[String: Any]])?.count == 3)
        let wrongWay = try await rpc.call("mode.switch", params: #"{"mode":"local","migrate":true}"#, id: "23")
        #expect(wrongWay.errorType == "InvalidSettings")
        try await bridge.expectCleanEnd()
    }
}
