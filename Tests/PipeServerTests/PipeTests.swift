import Foundation
import PipeJSON
import Testing

@Suite("Pipes")
struct PipeTests {
    static let secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
    static let s3Pipe: JSON = [
        "name": "base", "protocol": "s3", "location": "bucket-one",
        "options": ["dir": "team"],
        "credentials": ["aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": .string(secret)],
    ]

    @Test("create (201), get, list, patch, put, delete (204); unknown pipes answer 404 'Not found'")
    func crud() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let created = try await server.call("POST", "pipes/", token: alice, body: Self.s3Pipe)
            #expect(created.status == 201, "\(created)")
            #expect(created.json?["role"]?.stringValue == "write")
            #expect(created.json?["options"]?["remotepath"]?.stringValue == "s3://bucket-one/team/")

            let list = try await server.call("GET", "pipes/", token: alice)
            #expect(list.json?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["base"])

            let patched = try await server.call(
                "PATCH", "pipes/base/", token: alice, body: ["options": ["include": "*.csv"]])
            #expect(patched.status == 200)
            #expect(patched.json?["options"]?["include"]?.stringValue == "*.csv")
            #expect(patched.json?["options"]?["dir"]?.stringValue == "team", "PATCH merges options")

            // d6tpipe's update_settings sends the whole GET answer back: accepted as is.
            let echoed = try await server.call("PATCH", "pipes/base/", token: alice, body: patched.json)
            #expect(echoed.status == 200, "\(echoed)")
            #expect(echoed.json?["options"]?["remotepath"]?.stringValue == "s3://bucket-one/team/")

            let put = try await server.call(
                "PUT", "pipes/base/", token: alice, body: ["protocol": "s3", "location": "bucket-two"])
            #expect(put.status == 200)
            #expect(put.json?["options"]?["remotepath"]?.stringValue == "s3://bucket-two/")
            #expect(put.json?["options"]?["include"] == nil, "PUT replaces the settings")

            let creds = try await server.call("GET", "pipes/base/credentials/?role=read", token: alice)
            #expect(creds.json?["aws_secret_access_key"]?.stringValue == Self.secret, "PUT keeps credentials")

            let missing = try await server.call("PATCH", "pipes/nope/", token: alice, body: ["protocol": "s3"])
            #expect(missing.status == 404)
            #expect(missing.text.contains("Not found"))

            #expect(try await server.call("DELETE", "pipes/base/", token: alice).status == 204)
            let gone = try await server.call("GET", "pipes/base/", token: alice)
            #expect(gone.status == 404)
            #expect(gone.text.contains("Not found"))
        }
    }

    @Test("validation messages carry 'alphanumeric', 'Paths', 'does not exist' and 'unique'")
    func validation() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let badName = try await server.call(
                "POST", "pipes/", token: alice, body: ["name": "bad name!", "protocol": "s3", "location": "b"])
            #expect(badName.status == 400)
            #expect(badName.text.contains("alphanumeric"))
            for dir in ["../up", "/abs", "a/../b", "a//b"] {
                let badDir = try await server.call(
                    "POST", "pipes/", token: alice,
                    body: ["name": "p", "protocol": "s3", "location": "b", "options": ["dir": .string(dir)]])
                #expect(badDir.status == 400, "dir \(dir)")
                #expect(badDir.text.contains("Paths"), "dir \(dir)")
            }
            let orphan = try await server.call(
                "POST", "pipes/", token: alice, body: ["name": "child", "parent": "nope"])
            #expect(orphan.status == 400)
            #expect(orphan.text.contains("does not exist"))
            #expect(try await server.call("POST", "pipes/", token: alice, body: Self.s3Pipe).status == 201)
            let duplicate = try await server.call("POST", "pipes/", token: alice, body: Self.s3Pipe)
            #expect(duplicate.status == 400)
            #expect(duplicate.text.contains("unique"))
            let noProtocol = try await server.call("POST", "pipes/", token: alice, body: ["name": "bare"])
            #expect(noProtocol.status == 400)
            #expect(noProtocol.text.contains("protocol"))
        }
    }

    @Test("children inherit settings (child wins), remotepath grows by each dir, parent-ultimate names the root")
    func inheritance() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            #expect(try await server.call("POST", "pipes/", token: alice, body: Self.s3Pipe).status == 201)
            let child = try await server.call(
                "POST", "pipes/", token: alice,
                body: ["name": "child", "parent": "base", "options": ["dir": "in", "include": "*.csv"]])
            #expect(child.status == 201, "\(child)")
            let grandchild = try await server.call(
                "POST", "pipes/", token: alice,
                body: ["name": "grandchild", "parent": "child", "options": ["dir": "deep/er", "include": "*.json"]])
            let json = try #require(grandchild.json)
            #expect(json["protocol"]?.stringValue == "s3")
            #expect(json["location"]?.stringValue == "bucket-one")
            #expect(json["options"]?["remotepath"]?.stringValue == "s3://bucket-one/team/in/deep/er/")
            #expect(json["options"]?["include"]?.stringValue == "*.json")
            #expect(json["parent"]?.stringValue == "child")
            #expect(json["parent-ultimate"]?.stringValue == "base")
            let creds = try await server.call("GET", "pipes/grandchild/credentials/?role=write", token: alice)
            #expect(creds.json?["aws_access_key_id"]?.stringValue == "AKIAEXAMPLE", "credentials come from the root")
            let refused = try await server.call("DELETE", "pipes/base/", token: alice)
            #expect(refused.status == 400)
            #expect(refused.text.contains("child pipes"))
            let cycle = try await server.call("PATCH", "pipes/base/", token: alice, body: ["parent": "grandchild"])
            #expect(cycle.status == 400)
            #expect(cycle.text.contains("cycle"))
        }
    }

    @Test("credentials never appear in GET bodies; the credentials answer holds only boto3 keys")
    func credentialsStayOut() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            #expect(
                try await server.call(
                    "POST", "pipes/", token: alice,
                    body: [
                        "name": "split", "protocol": "s3", "location": "b",
                        "credentials": [
                            "read": ["key": "AKIAREAD", "secret": .string(Self.secret)],
                            "write": [
                                "aws_access_key_id": "AKIAWRITE", "aws_secret_access_key": "w-secret",
                                "aws_session_token": "w-session",
                            ],
                        ],
                    ]
                ).status == 201)
            for path in ["pipes/", "pipes/split/"] {
                let reply = try await server.call("GET", path, token: alice)
                #expect(reply.status == 200)
                #expect(!reply.text.contains(Self.secret) && !reply.text.contains("w-secret"), "\(path)")
                #expect(!reply.text.contains("AKIAREAD") && !reply.text.contains("\"credentials\""), "\(path)")
            }
            let read = try #require(
                try await server.call("GET", "pipes/split/credentials/?role=read", token: alice).json?.objectValue)
            #expect(read.keys.sorted() == ["aws_access_key_id", "aws_secret_access_key"])
            #expect(read["aws_access_key_id"]?.stringValue == "AKIAREAD")
            let write = try #require(
                try await server.call("GET", "pipes/split/credentials/?role=write", token: alice).json?.objectValue)
            #expect(write.keys.sorted() == ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"])
            let unknown = try await server.call(
                "POST", "pipes/", token: alice,
                body: ["name": "odd", "protocol": "s3", "location": "b", "credentials": ["region": "x"]])
            #expect(unknown.status == 400)
            #expect(unknown.text.contains("Unknown key 'region'"))
        }
    }

    @Test("a body over the limit answers 413; a body that is not JSON answers 400")
    func bodyLimits() async throws {
        try await withServer(maxBodyBytes: 4096) { server in
            let alice = try await server.register("alice")
            let big = JSON.object([
                "name": "big", "protocol": "s3", "location": .string(String(repeating: "x", count: 10_000)),
            ])
            let reply = try await server.call("POST", "pipes/", token: alice, body: big)
            #expect(reply.status == 413)
            let garbage = try await server.call("POST", "pipes/", token: alice, rawBody: Array("{not json".utf8))
            #expect(garbage.status == 400)
            #expect(garbage.text.contains("JSON parse error"))
        }
    }
}
