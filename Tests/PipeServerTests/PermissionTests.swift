import Foundation
import PipeJSON
import Testing

/// Alice owns `parent` (S3, credentials) and its child `child` (dir `sub`).
private func seed(_ server: TestServer) async throws -> String {
    let alice = try await server.register("alice")
    let parent = try await server.call(
        "POST", "pipes/", token: alice,
        body: [
            "name": "parent", "protocol": "s3", "location": "bucket",
            "credentials": ["aws_access_key_id": "AKIA1", "aws_secret_access_key": "s1"],
        ])
    try #require(parent.status == 201, "\(parent)")
    let child = try await server.call(
        "POST", "pipes/", token: alice, body: ["name": "child", "parent": "parent", "options": ["dir": "sub"]])
    try #require(child.status == 201, "\(child)")
    return alice
}

private func grant(_ server: TestServer, _ token: String, _ pipe: String, _ body: JSON) async throws -> Reply {
    try await server.call("POST", "pipes/\(pipe)/permissions/", token: token, body: body)
}

private func names(_ server: TestServer, _ token: String) async throws -> [String] {
    try await server.call("GET", "pipes/", token: token).json?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
}

@Suite("Permissions")
struct PermissionTests {
    @Test("no access answers 403 everywhere; a read grant on the parent covers the child, read only")
    func readViaParent() async throws {
        try await withServer { server in
            let alice = try await seed(server)
            let bob = try await server.register("bob")
            for path in ["pipes/child/", "pipes/parent/", "pipes/child/credentials/?role=read"] {
                let reply = try await server.call("GET", path, token: bob)
                #expect(reply.status == 403, "\(path)")
            }
            #expect(try await server.call("PATCH", "pipes/child/", token: bob, body: ["options": [:]]).status == 403)
            #expect(try await names(server, bob) == [])

            #expect(try await grant(server, alice, "parent", ["username": "bob", "role": "read"]).status == 201)
            #expect(try await names(server, bob) == ["child", "parent"])
            let child = try await server.call("GET", "pipes/child/", token: bob)
            #expect(child.json?["role"]?.stringValue == "read")
            #expect(child.json?["options"]?["remotepath"]?.stringValue == "s3://bucket/sub/")
            let read = try await server.call("GET", "pipes/child/credentials/?role=read", token: bob)
            #expect(read.json?["aws_access_key_id"]?.stringValue == "AKIA1")
            let write = try await server.call("GET", "pipes/child/credentials/?role=write", token: bob)
            #expect(write.status == 403)
            #expect(try await server.call("PATCH", "pipes/child/", token: bob, body: ["options": [:]]).status == 403)
            #expect(try await grant(server, bob, "child", ["username": "bob", "role": "write"]).status == 403)
            #expect(try await server.call("GET", "pipes/child/permissions/", token: bob).status == 403)

            // revoke: access is gone again
            #expect(try await grant(server, alice, "parent", ["username": "bob", "role": "revoke"]).status == 201)
            #expect(try await server.call("GET", "pipes/child/", token: bob).status == 403)
        }
    }

    @Test("a grant on a child does not open the parent; write reads 'write'; admin may change settings and grants")
    func childGrantsAndAdmin() async throws {
        try await withServer { server in
            let alice = try await seed(server)
            let carol = try await server.register("carol")
            let dave = try await server.register("dave")
            #expect(try await grant(server, alice, "child", ["username": "carol", "role": "write"]).status == 201)
            #expect(try await server.call("GET", "pipes/parent/", token: carol).status == 403)
            let child = try await server.call("GET", "pipes/child/", token: carol)
            #expect(child.json?["role"]?.stringValue == "write")
            #expect(child.json?["admin"]?.boolValue == false)
            #expect(
                try await server.call("GET", "pipes/child/credentials/?role=write", token: carol).json?[
                    "aws_access_key_id"]?.stringValue == "AKIA1")
            #expect(try await server.call("PATCH", "pipes/child/", token: carol, body: ["options": [:]]).status == 403)

            #expect(try await grant(server, alice, "parent", ["username": "dave", "role": "admin"]).status == 201)
            let asAdmin = try await server.call("GET", "pipes/child/", token: dave)
            #expect(asAdmin.json?["role"]?.stringValue == "write")
            #expect(asAdmin.json?["admin"]?.boolValue == true)
            let patched = try await server.call(
                "PATCH", "pipes/child/", token: dave, body: ["options": ["include": "*.txt"]])
            #expect(patched.status == 200, "\(patched)")
            #expect(try await grant(server, dave, "child", ["username": "carol", "role": "read"]).status == 201)
            #expect(try await server.call("GET", "pipes/child/", token: carol).json?["role"]?.stringValue == "read")
            #expect(try await server.call("DELETE", "pipes/child/", token: dave).status == 403, "only owners delete")
            let listed = try await server.call("GET", "pipes/child/permissions/", token: dave)
            #expect(listed.status == 200)
            #expect(listed.json?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["carol"])
        }
    }

    @Test("public read lets every user see a pipe; public write is refused; unknown users do not exist")
    func publicAccess() async throws {
        try await withServer { server in
            let alice = try await seed(server)
            let erin = try await server.register("erin")
            let write = try await grant(server, alice, "parent", ["username": "public", "role": "write"])
            #expect(write.status == 400)
            #expect(write.text.contains("Public access can only be read"))
            #expect(try await grant(server, alice, "parent", ["username": "public", "role": "read"]).status == 201)
            #expect(try await names(server, erin) == ["child", "parent"])
            #expect(try await server.call("GET", "pipes/child/", token: erin).json?["role"]?.stringValue == "read")
            #expect(try await server.call("GET", "pipes/child/credentials/?role=write", token: erin).status == 403)
            let unknown = try await grant(server, alice, "parent", ["username": "nobody", "role": "read"])
            #expect(unknown.status == 400)
            #expect(unknown.text.contains("does not exist"))
        }
    }

    @Test("an expired grant gives no access; a future one does")
    func expiration() async throws {
        try await withServer { server in
            let alice = try await seed(server)
            let bob = try await server.register("bob")
            let past = try await grant(
                server, alice, "parent", ["username": "bob", "role": "read", "expiration_date": "2000-01-01"])
            #expect(past.status == 201)
            #expect(try await server.call("GET", "pipes/parent/", token: bob).status == 403)
            #expect(
                try await grant(
                    server, alice, "parent", ["username": "bob", "role": "read", "expiration_date": "2999-01-01"]
                ).status == 201)
            #expect(try await server.call("GET", "pipes/parent/", token: bob).status == 200)
            let bad = try await grant(
                server, alice, "parent", ["username": "bob", "role": "read", "expiration_date": "soon"])
            #expect(bad.status == 400)
        }
    }

    @Test("an email grant waits for registration; username and email grants for one person are one grant")
    func emailGrants() async throws {
        try await withServer { server in
            let alice = try await seed(server)
            #expect(
                try await grant(server, alice, "child", ["email": "Frank@Example.org", "role": "write"]).status == 201)
            let pending = try await server.call("GET", "pipes/child/permissions/", token: alice)
            #expect(pending.json?[0]?["email"]?.stringValue == "frank@example.org")
            let frank = try await server.register("frank", email: "frank@example.org")
            #expect(try await server.call("GET", "pipes/child/", token: frank).json?["role"]?.stringValue == "write")

            // the later grant replaces the earlier, whichever way the person is named
            #expect(try await grant(server, alice, "child", ["username": "frank", "role": "read"]).status == 201)
            let one = try await server.call("GET", "pipes/child/permissions/", token: alice)
            #expect(one.json?.arrayValue?.count == 1, "\(one)")
            #expect(try await server.call("GET", "pipes/child/", token: frank).json?["role"]?.stringValue == "read")
            #expect(
                try await grant(server, alice, "child", ["email": "frank@example.org", "role": "revoke"]).status == 201)
            #expect(try await server.call("GET", "pipes/child/", token: frank).status == 403)
            #expect(try await server.call("GET", "pipes/child/permissions/", token: alice).json?.arrayValue?.count == 0)

            // an email grant to a registered user applies at once
            let gina = try await server.register("gina")
            #expect(
                try await grant(server, alice, "parent", ["email": "gina@example.org", "role": "read"]).status == 201)
            #expect(try await server.call("GET", "pipes/child/", token: gina).json?["role"]?.stringValue == "read")
        }
    }

    @Test("a read-only (demo) account cannot register pipes and reads even where it was granted write")
    func readOnlyAccount() async throws {
        try await withServer(readOnlyAccounts: ["demo"]) { server in
            let alice = try await seed(server)
            let demo = try await server.register("demo")
            let refused = try await server.call(
                "POST", "pipes/", token: demo, body: ["name": "mine", "protocol": "s3", "location": "b"])
            #expect(refused.status == 403)
            #expect(refused.text.contains("Read-only accounts cannot register pipes"))
            #expect(try await grant(server, alice, "parent", ["username": "demo", "role": "write"]).status == 201)
            #expect(try await server.call("GET", "pipes/child/", token: demo).json?["role"]?.stringValue == "read")
            #expect(try await server.call("GET", "pipes/child/credentials/?role=write", token: demo).status == 403)
            #expect(try await server.call("GET", "pipes/child/credentials/?role=read", token: demo).status == 200)
        }
    }
}
