import Foundation
import PipeJSON
import PipeRemotes
import Testing

@testable import PipeServer

/// The parts of managed pipes that do not need STS: folders, session
/// policies, and the refusal when the server has no managed storage.
@Suite("Managed storage: folders and session policies")
struct ManagedStorageTests {
    static let storage = try! ManagedStorage(
        location: "s3://team-bucket/managed/", endpoint: nil, region: "eu-west-1",
        roleARN: "arn:aws:iam::123456789012:role/datapipe",
        credentials: S3Credentials(accessKeyID: "server", secretAccessKey: "secret"), lifetime: 3600)

    @Test("a managed pipe's folder is <prefix><owner>/<name>/, then each child's dir")
    func folders() {
        #expect(Self.storage.keyPrefix(owner: "alice", name: "free", dirs: []) == "managed/alice/free/")
        #expect(
            Self.storage.keyPrefix(owner: "alice", name: "free", dirs: ["2024/", "q1"]) == "managed/alice/free/2024/q1/"
        )
        let settings = Self.storage.settings(keyPrefix: "managed/alice/free/")
        #expect(settings["options"]?["remotepath"]?.stringValue == "s3://team-bucket/managed/alice/free/")
        #expect(settings["options"]?["region"]?.stringValue == "eu-west-1")
        #expect(settings["options"]?["endpoint_url"] == nil, "AWS needs no endpoint")
    }

    @Test("read keys may list and get under the folder only; write keys may also put and delete there")
    func policies() throws {
        for role in ["read", "write"] {
            let policy = try JSON.parse(Self.storage.policy(role: role, keyPrefix: "managed/alice/free/"))
            let statements = try #require(policy["Statement"]?.arrayValue)
            #expect(statements.count == 2)
            #expect(statements[0]["Resource"]?.stringValue == "arn:aws:s3:::team-bucket")
            #expect(statements[0]["Condition"]?["StringLike"]?["s3:prefix"]?[0]?.stringValue == "managed/alice/free/*")
            #expect(statements[1]["Resource"]?.stringValue == "arn:aws:s3:::team-bucket/managed/alice/free/*")
            let actions = Set((statements[1]["Action"]?.arrayValue ?? []).compactMap(\.stringValue))
            #expect(actions.contains("s3:GetObject"))
            #expect(actions.contains("s3:PutObject") == (role == "write"))
            #expect(actions.contains("s3:DeleteObject") == (role == "write"))
        }
    }

    @Test("without managed storage a pipe needs a protocol: a name alone or d6tfree is refused, naming the option")
    func noManagedStorage() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            for body: JSON in [["name": "free"], ["name": "free", "protocol": "d6tfree"]] {
                let reply = try await server.call("POST", "pipes/", token: alice, body: body)
                #expect(reply.status == 400 && reply.text.contains("--managed-storage"), "\(reply)")
            }
        }
    }
}
