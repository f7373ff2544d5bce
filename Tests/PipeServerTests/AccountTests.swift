import Foundation
import PipeJSON
import Testing

@Suite("Accounts and tokens")
struct AccountTests {
    @Test("register answers a 256-bit token that authenticates; accounts/token/ retrieves the same token")
    func registerAndLogin() async throws {
        try await withServer { server in
            let anonymous = try await server.call("GET", "")
            #expect(anonymous.status == 200)
            #expect(anonymous.json?["username"]?.isNull == true)

            let token = try await server.register("alice", password: "correct horse")
            #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
            let me = try await server.call("GET", "", token: token)
            #expect(me.json?["username"]?.stringValue == "alice")

            let login = try await server.call(
                "POST", "accounts/token/", body: ["username": "alice", "password": "correct horse"])
            #expect(login.status == 200)
            #expect(login.json?["token"]?.stringValue == token)

            let staleHeader = try await server.call(
                "POST", "accounts/token/", token: String(repeating: "f", count: 64),
                body: ["username": "alice", "password": "correct horse"])
            #expect(staleHeader.json?["token"]?.stringValue == token, "a stale token header does not block a login")

            let wrong = try await server.call(
                "POST", "accounts/token/", body: ["username": "alice", "password": "nope"])
            #expect(wrong.status == 400)
            #expect(wrong.text.contains("Unable to log in"))
            #expect(!wrong.text.contains(token))
        }
    }

    @Test("a taken username or email answers 400 'This field must be unique'; 'public' is refused by name")
    func uniqueness() async throws {
        try await withServer { server in
            _ = try await server.register("alice")
            let sameName = try await server.call(
                "POST", "accounts/", body: ["username": "alice", "email": "other@example.org", "password": "x"])
            #expect(sameName.status == 400)
            #expect(sameName.text.contains("This field must be unique"))
            let sameEmail = try await server.call(
                "POST", "accounts/", body: ["username": "alice2", "email": "ALICE@example.org", "password": "x"])
            #expect(sameEmail.status == 400)
            #expect(sameEmail.text.contains("This field must be unique"))
            let publicName = try await server.call(
                "POST", "accounts/", body: ["username": "public", "email": "p@example.org", "password": "x"])
            #expect(publicName.status == 400)
            #expect(publicName.text.contains("'public'"))
            let missing = try await server.call("POST", "accounts/", body: ["username": "bob"])
            #expect(missing.status == 400)
            #expect(missing.text.contains("required"))
        }
    }

    @Test("no token answers 401 on pipes; a wrong token 401 'Invalid token'")
    func authentication() async throws {
        try await withServer { server in
            #expect(try await server.call("GET", "pipes/").status == 401)
            let bad = try await server.call("GET", "pipes/", token: String(repeating: "0", count: 64))
            #expect(bad.status == 401)
            #expect(bad.text.contains("Invalid token"))
        }
    }

    @Test("after 5 failed logins the username is locked (429), even for the right password")
    func throttling() async throws {
        try await withServer { server in
            _ = try await server.register("alice", password: "right")
            for _ in 0..<5 {
                let reply = try await server.call(
                    "POST", "accounts/token/", body: ["username": "alice", "password": "wrong"])
                #expect(reply.status == 400)
            }
            let locked = try await server.call(
                "POST", "accounts/token/", body: ["username": "alice", "password": "right"])
            #expect(locked.status == 429)
            #expect(locked.text.contains("Too many failed logins for 'alice'"))
            // Another username is not affected.
            _ = try await server.register("bob", password: "bobpw")
            let other = try await server.call(
                "POST", "accounts/token/", body: ["username": "bob", "password": "bobpw"])
            #expect(other.status == 200)
        }
    }

    @Test("users can only unregister themselves; afterwards their token and pipes are gone")
    func unregister() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let refused = try await server.call("DELETE", "accounts/alice/", token: bob)
            #expect(refused.status == 403)
            #expect(refused.text.contains("can only unregister yourself"))
            let created = try await server.call(
                "POST", "pipes/", token: alice, body: ["name": "a1", "protocol": "s3", "location": "bucket"])
            #expect(created.status == 201)
            let done = try await server.call("DELETE", "accounts/alice/", token: alice)
            #expect(done.status == 204)
            #expect(try await server.call("GET", "", token: alice).status == 401)
            #expect(try await server.call("GET", "pipes/a1/", token: bob).status == 404)
        }
    }
}
