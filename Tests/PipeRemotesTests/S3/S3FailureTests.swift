import Foundation
import TestSupport
import Testing

@testable import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

@Suite("S3 failures", .timeLimit(.minutes(2)))
struct S3FailureTests {
    @Test("moto checking signatures accepts ours and rejects a wrong secret as authentication")
    func signatureChecked() async throws {
        let server = try await MotoServer.checkingSignatures.server()
        // moto's checker signs the query as it decodes it (`prefix=a/` where
        // we rightly send `a%2F`) and the path likewise: no prefix, plain keys here;
        // odd keys are covered against botocore's signer (SigV4ReferenceTests).
        let remote = try await server.remote()
        let folder = try ScratchFolder()
        let source = try folder.write("data", size: 4096)
        try await remote.upload(source, as: "data.csv", progress: nil)
        #expect(try await remote.list().map(\.filename) == ["data.csv"])
        #expect(
            try await remote.download("data.csv", to: folder.path + "/copy", progress: nil).md5 == folder.md5("data"))

        var wrong = remote.configuration
        wrong.credentials.secretAccessKey = "not-the-secret"
        let impostor = S3Remote(wrong)
        await #expect { try await impostor.list() } throws: { error in
            guard let error = error as? RemoteError else { return false }
            return error.kind == .authentication && !"\(error)".contains(server.credentials.secretAccessKey)
                && !"\(error)".contains("not-the-secret")
        }
        await #expect { try await impostor.upload(source, as: "x.csv", progress: nil) } throws: {
            ($0 as? RemoteError)?.kind == .authentication
        }
    }

    @Test("local file problems are RemoteErrors of kind other that name the path")
    func localFiles() async throws {
        let remote = try await MotoServer.plain.server().remote()
        let missing = "/nonexistent/datapipe/source.csv"
        await #expect { try await remote.upload(missing, as: "x.csv", progress: nil) } throws: {
            ($0 as? RemoteError)?.kind == .other && "\($0)".contains(missing)
        }
        let folder = try ScratchFolder()
        try await remote.upload(try folder.write("data", size: 10), as: "x.csv", progress: nil)
        await #expect { try await remote.download("x.csv", to: "/nonexistent/datapipe/x", progress: nil) } throws: {
            ($0 as? RemoteError)?.kind == .other
        }
    }

    @Test("a closed port fails fast as a transient error")
    func refusedConnection() async throws {
        let remote = S3Remote(
            try S3Configuration(
                bucket: "bucket", endpoint: S3Endpoint(scheme: "http", host: "127.0.0.1", port: try closedPort()),
                credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "s")))
        let start = ContinuousClock.now
        await #expect { try await remote.list() } throws: { ($0 as? RemoteError)?.kind == .transient }
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test("a server that accepts and never answers fails within the stall timeout")
    func stalledServer() async throws {
        let listener = try SilentListener()
        var timeouts = HTTPTimeouts()
        timeouts.stallSeconds = 1
        let configuration = try S3Configuration(
            bucket: "bucket", endpoint: S3Endpoint(scheme: "http", host: "127.0.0.1", port: listener.port),
            credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "s"))
        var quick = configuration
        quick.maxAttempts = 2
        let remote = S3Remote(quick, client: CurlHTTPClient(timeouts: timeouts))
        let start = ContinuousClock.now
        await #expect { try await remote.exists("x") } throws: { ($0 as? RemoteError)?.kind == .transient }
        #expect(
            ContinuousClock.now - start < .seconds(60), "a hang would never end; 2 tries of a 1 s stall take seconds")
    }
}

/// A port nothing listens on (bound, then closed).
func closedPort() throws -> Int {
    let listener = try SilentListener()
    return listener.port
}

/// A loopback TCP socket that accepts connections (in its backlog) and never answers.
final class SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, raw, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw TestSetupError(description: "cannot listen on loopback")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
