import Foundation
import PipeCore
import PipeRemotes
import TestSupport
import Testing

@Suite("A hostile remote")
struct HostileRemoteTests {
    @Test("a listing with ../ names writes nothing anywhere and fails with a RemoteError naming the file")
    func traversalKeys() async throws {
        let fixture = try await PipeFixture(.s3)
        let server = try await MotoServer.plain.server()
        guard case .string(let remotepath)? = fixture.remoteSettings["options"]?["remotepath"] else {
            Issue.record("no remotepath")
            return
        }
        let bucket = String(remotepath.dropFirst(5).prefix { $0 != "/" })
        // Another client (boto3) puts keys S3 allows but no file system should see.
        let script = """
            import boto3, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
            s3.put_object(Bucket=sys.argv[2], Key="demo/../../escaped.csv", Body=b"evil")
            s3.put_object(Bucket=sys.argv[2], Key="demo/fine.csv", Body=b"ok")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, "http://127.0.0.1:\(server.port)", bucket]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)

        let bob = try fixture.engine(user: "bob")
        do {
            _ = try await bob.pull(SelectionRequest())
            Issue.record("the pull should be refused")
        } catch SyncError.remote(let error) {
            #expect(error.kind == .invalidResponse)
            #expect(error.description.contains(".."))
        }
        #expect(fixture.localNames(user: "bob").isEmpty, "nothing pulled from a listing that cannot be trusted")
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/escaped.csv"))
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/bob/escaped.csv"))
    }
}
