import Foundation
import PipeCore
import PipeJSON
import PipeRepo
import Testing

/// The bridge's `ServerRepo` client against a real server in this process:
/// pipes CRUD, per-role credentials merged for transfers, and typed errors.
@Suite("ServerRepo against the repo server", .timeLimit(.minutes(2)))
struct ServerRepoTests {
    static let readKeys: JSON = ["aws_access_key_id": "AKIAREAD", "aws_secret_access_key": "read-secret"]
    static let writeKeys: JSON = ["aws_access_key_id": "AKIAWRITE", "aws_secret_access_key": "write-secret"]

    @Test("upsert creates then merges; get, list and delete; unknown pipes are nil or false")
    func pipesLifecycle() async throws {
        try await withServer { server in
            let alice = ServerRepo(client: ServerClient(server: server.url, token: try await server.register("alice")))
            let values: JSONObject = [
                "name": "sales", "protocol": "s3", "location": "bucket",
                "options": ["remotepath": "s3://bucket/sales/"],
            ]
            let created = try await alice.upsert(values)
            #expect(created.created)
            #expect(created.settings.role == "write")
            let merged = try await alice.upsert(["name": "sales", "options": ["include": "*.csv"]])
            #expect(!merged.created)
            #expect(merged.settings.include == "*.csv")
            #expect(merged.settings.remotepath == "s3://bucket/sales/")
            #expect(try await alice.all().map(\.name) == ["sales"])
            #expect(try await alice.get("nope") == nil)
            #expect(try await alice.delete("sales"))
            #expect(try await alice.delete("sales") == false)
            #expect(try await alice.get("sales") == nil)
        }
    }

    @Test("transfers get the server's credentials per role: owners read and write keys, readers only read keys")
    func credentialsPerRole() async throws {
        try await withServer { server in
            let aliceToken = try await server.register("alice")
            let bobToken = try await server.register("bob")
            let alice = ServerRepo(client: ServerClient(server: server.url, token: aliceToken))
            let bob = ServerRepo(client: ServerClient(server: server.url, token: bobToken))
            _ = try await alice.upsert([
                "name": "sales", "protocol": "s3", "location": "bucket",
                "credentials": ["read": Self.readKeys, "write": Self.writeKeys],
            ])
            let described = try #require(try await alice.get("sales"))
            #expect(described.values["credentials"] == nil, "a pipe's answer never holds credentials")
            let owned = try await alice.withCredentials(described)
            #expect(owned.credentials(write: false)["aws_access_key_id"] == "AKIAREAD")
            #expect(owned.credentials(write: true)["aws_secret_access_key"] == "write-secret")

            await #expect(throws: ServerRepoError.self) { try await bob.get("sales") }
            let grant = try await alice.setPermission("sales", grant: ["username": "bob", "role": "read"])
            #expect(grant.objectValue?["role"] == "read")
            let shared = try #require(try await bob.get("sales"))
            #expect(shared.role == "read")
            let read = try await bob.withCredentials(shared)
            #expect(read.credentials(write: false)["aws_access_key_id"] == "AKIAREAD")
            #expect(read.credentials(write: true).isEmpty)
            do {
                _ = try await bob.credentials("sales", role: "write")
                Issue.record("a reader got write credentials")
            } catch let error as ServerRepoError {
                #expect(error.kind == .permissionDenied)
                #expect(error.status == 403)
                #expect(!error.description.contains(bobToken))
            }
        }
    }

    @Test("a stopped server is unreachable, named by URL, without the token")
    func unreachable() async throws {
        let server = try await TestServer.start()
        let token = try await server.register("carol")
        await server.stop()
        server.remove()
        let repo = ServerRepo(client: ServerClient(server: server.url, token: token))
        do {
            _ = try await repo.all()
            Issue.record("a stopped server answered")
        } catch let error as ServerRepoError {
            #expect(error.kind == .unreachable)
            #expect(error.status == nil)
            #expect(error.description.contains(server.url))
            #expect(!error.description.contains(token))
        }
    }
}

extension TestServer {
    /// The server's base URL as a profile holds it.
    var url: String { String(base.dropLast("/v1/api/".count)) }
}
