import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Managed pipes (d6tpipe's `d6tfree`) on a real `datapipe serve` whose
/// managed storage is a bucket on moto, with keys from moto's STS.
@Suite("Managed pipes: the server's bucket and temporary keys", .timeLimit(.minutes(3)))
struct ManagedPipeTests {
    @Test("a name alone makes a managed pipe: its folder in the server's bucket, scoped temporary keys, renewal")
    func managedPipe() async throws {
        let bucket = try await FaultBucket.make()
        let server = try await RepoServer(
            arguments: [
                "--managed-storage", "s3://\(bucket.name)/team/", "--managed-endpoint",
                "http://127.0.0.1:\(bucket.motoPort)", "--managed-role-arn", "arn:aws:iam::123456789012:role/datapipe",
            ],
            environment: ["AWS_ACCESS_KEY_ID": "server-key", "AWS_SECRET_ACCESS_KEY": "server-secret"])
        let bridge = try StdioBridge()
        let root = bridge.directory.path
        let rpc = bridge.rpc
        for (index, user) in ["bob", "alice"].enumerated() {
            _ = try await rpc.call("session.configure", params: #"{"profile":"\#(user)"}"#, id: "\(index + 1)0")
            _ = try await rpc.call("config.init", params: #"{"filerepo":"\#(root)/\#(user)"}"#, id: "\(index + 1)1")
            try await rpc.joinServer(server, as: user, id: (index + 1) * 10 + 2)
        }

        // alice (the session's profile now) registers "free" with a name alone, and pushes.
        let made = try await rpc.call("pipes.upsert", params: #"{"settings":{"name":"free"}}"#, id: "1")
        let settings = try #require(made.resultObject?["settings"] as? [String: Any], "\(made)")
        #expect(settings["protocol"] as? String == "s3")
        #expect(settings["managed"] as? Bool == true)
        let options = settings["options"] as? [String: Any]
        #expect(options?["remotepath"] as? String == "s3://\(bucket.name)/team/alice/free/")
        let grabbed = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"free","options":{"remotepath":"s3://\#(bucket.name)/team/bob/"}}}"#, id: "2")
        #expect(
            ((grabbed.resultObject?["settings"] as? [String: Any])?["options"] as? [String: Any])?["remotepath"]
                as? String == "s3://\(bucket.name)/team/alice/free/", "the server keeps a managed pipe's folder")
        try FileManager.default.createDirectory(atPath: root + "/alice/free", withIntermediateDirectories: true)
        try "1,2\n".write(toFile: root + "/alice/free/a.csv", atomically: true, encoding: .utf8)
        let pushed = try await rpc.call("pipe.push", params: #"{"pipe":"free"}"#, id: "3")
        #expect(pushed.resultObject?["files"] as? [String] == ["a.csv"], "\(pushed)")
        #expect(try await bucket.contents().keys.sorted() == ["team/alice/free/a.csv"])

        // The keys: read and write differ, carry a session token, expire (in a header), renew rotates.
        let token = try #require(try await rpc.call("token.get", id: "4").resultObject?["token"] as? String)
        let read = try await Self.credentials(server, "free", role: "read", token: token)
        let write = try await Self.credentials(server, "free", role: "write", token: token)
        let readID = try #require(read.keys["aws_access_key_id"] as? String)
        #expect(readID != write.keys["aws_access_key_id"] as? String)
        #expect(readID != "server-key", "the server's own keys are never handed out")
        #expect(read.keys["aws_session_token"] is String)
        #expect(Set(read.keys.keys) == ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"])
        #expect(read.expires?.hasSuffix("Z") == true, "expiry header: \(String(describing: read.expires))")
        #expect(
            try await Self.credentials(server, "free", role: "read", token: token).keys["aws_access_key_id"] as? String
                == readID)
        let reset = try await rpc.call("pipe.credentials_reset", params: #"{"pipe":"free"}"#, id: "5")
        #expect(reset.resultObject?["renewed"] as? Bool == true, "\(reset)")
        #expect((reset.resultObject?["expires"] as? [String: Any])?["write"] is String)
        let renewed = try await Self.credentials(server, "free", role: "read", token: token)
        #expect(renewed.keys["aws_access_key_id"] as? String != readID, "a reset rotates the keys")

        // bob, granted read, pulls with his read keys and gets no write keys.
        _ = try await rpc.call(
            "permissions.set", params: #"{"pipe":"free","username":"bob","role":"read"}"#, id: "6")
        _ = try await rpc.call("session.configure", params: #"{"profile":"bob"}"#, id: "7")
        let pulled = try await rpc.call("pipe.pull", params: #"{"pipe":"free"}"#, id: "8")
        #expect(pulled.resultObject?["files"] as? [String] == ["a.csv"], "\(pulled)")
        #expect(try String(contentsOfFile: root + "/bob/free/a.csv", encoding: .utf8) == "1,2\n")
        let bobToken = try #require(try await rpc.call("token.get", id: "9").resultObject?["token"] as? String)
        let refused = try await Self.credentials(server, "free", role: "write", token: bobToken)
        #expect(refused.status == 403)
        let ownPipe = try await rpc.call(
            "pipes.upsert",
            params: #"{"settings":{"name":"bobs","protocol":"file","options":{"remotepath":"\#(root)/r"}}}"#, id: "10")
        #expect(ownPipe.error == nil)
        let notManaged = try await rpc.call("pipe.credentials_reset", params: #"{"pipe":"bobs"}"#, id: "11")
        #expect(notManaged.resultObject?["renewed"] as? Bool == false, "\(notManaged)")
        try await bridge.expectCleanEnd()
    }

    /// `GET pipes/<name>/credentials/?role=…` as d6tpipe sends it.
    static func credentials(_ server: RepoServer, _ pipe: String, role: String, token: String) async throws -> (
        status: Int, keys: [String: Any], expires: String?
    ) {
        var request = URLRequest(url: URL(string: "\(server.url)/v1/api/pipes/\(pipe)/credentials/?role=\(role)")!)
        request.setValue("Token \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        let keys = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (http?.statusCode ?? -1, keys, http?.value(forHTTPHeaderField: "X-Credentials-Expiration"))
    }
}
