import Foundation
import TestSupport
import Testing

@testable import PipeRemotes

@Suite("The S3 remote against moto", .timeLimit(.minutes(3)))
struct S3RemoteMotoTests {
    static let oddNames = [
        "plain.csv", "a b/c  d.txt", "ü/日本語/emoji😀.bin", "plus+equals=tilde~percent%25%.dat",
        "deep/1/2/3/4/5/6/7/x", "q?&#:@!*'(),;$[]{}^`|.txt", "tab\tand \"quotes\" <tags> & amp.txt",
    ]

    /// The first file is empty.
    static func size(_ index: Int) -> Int { index == 0 ? 0 : 1000 + index * 37 }

    @Test("odd key names round-trip through upload, list, download, exists and delete")
    func oddKeys() async throws {
        let remote = try await MotoServer.plain.server().remote(prefix: "my pipe/")
        let folder = try ScratchFolder()
        var md5s: [String: String] = [:]
        for (index, name) in Self.oddNames.enumerated() {
            let source = try folder.write("source\(index)", size: Self.size(index), seed: UInt8(index))
            md5s[name] = try folder.md5("source\(index)")
            try await remote.upload(source, as: name, progress: nil)
        }
        let listed = try await remote.list().sorted { $0.filename < $1.filename }
        #expect(listed.map(\.filename) == Self.oddNames.sorted())
        for file in listed {
            #expect(file.md5 == md5s[file.filename])
            #expect(file.crc == md5s[file.filename])
            #expect(abs(file.modifiedAt - Date().timeIntervalSince1970) < 300)
        }
        for (index, name) in Self.oddNames.enumerated() {
            let receipt = try await remote.download(name, to: folder.path + "/copy", progress: nil)
            #expect(receipt == DownloadReceipt(bytes: Int64(Self.size(index)), md5: md5s[name]!), "\(name)")
            #expect(try folder.md5("copy") == md5s[name])
            #expect(try await remote.exists(name))
        }
        try await remote.delete(Self.oddNames[1])
        #expect(try await !remote.exists(Self.oddNames[1]))
        #expect(try await remote.list().count == Self.oddNames.count - 1)
    }

    @Test("lists more than 1,000 objects across pages")
    func pagination() async throws {
        let remote = try await MotoServer.plain.server().remote(prefix: "many/")
        let count = 1_100
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= 16 { try await group.next() }
                group.addTask {
                    let request = S3Request.withBody(
                        "PUT", key: remote.key("f\(index).txt"), query: [], body: Array("\(index)".utf8))
                    _ = try await remote.send(request, file: nil)
                }
            }
            try await group.waitForAll()
        }
        let listed = try await remote.list()
        #expect(listed.count == count)
        #expect(Set(listed.map(\.filename)) == Set((0..<count).map { "f\($0).txt" }))
    }

    @Test("multipart upload: parts in parallel, -N ETag listed, md5 recovered from metadata")
    func multipart() async throws {
        let remote = try await MotoServer.plain.server().remote(prefix: "mp/") { configuration in
            configuration.multipartThreshold = 5 << 20
            configuration.partSize = 5 << 20
        }
        let folder = try ScratchFolder()
        let size = 12 << 20
        let source = try folder.write("big", size: size)
        let md5 = try folder.md5("big")
        let reported = Reported()
        try await remote.upload(source, as: "big.bin", progress: { reported.record($0) })
        #expect(reported.last == Int64(size))
        let listed = try #require(try await remote.list().first)
        #expect(listed.size == Int64(size))
        #expect(listed.crc.hasSuffix("-3"))
        #expect(listed.md5 == nil)
        #expect(try await remote.contentMD5(of: "big.bin") == md5)
        let receipt = try await remote.download("big.bin", to: folder.path + "/copy", progress: nil)
        #expect(receipt == DownloadReceipt(bytes: Int64(size), md5: md5))
        let small = try folder.write("small", size: 1 << 20)
        try await remote.upload(small, as: "small.bin", progress: nil)
        #expect(try await remote.contentMD5(of: "small.bin") == folder.md5("small"))
    }

    @Test("a cancelled multipart upload is aborted on the server")
    func cancelMultipart() async throws {
        let remote = try await MotoServer.plain.server().remote { configuration in
            configuration.multipartThreshold = 5 << 20
            configuration.partSize = 5 << 20
            configuration.partConcurrency = 2
        }
        let folder = try ScratchFolder()
        let source = try folder.write("big", size: 40 << 20)
        let (started, signal) = AsyncStream<Void>.makeStream()
        let upload = Task { try await remote.upload(source, as: "big.bin", progress: { _ in signal.yield() }) }
        for await _ in started { break }
        upload.cancel()
        let result = await upload.result
        #expect(throws: CancellationError.self) { try result.get() }
        let uploads = try await remote.send(S3Request(method: "GET", key: nil, query: [("uploads", "")]), file: nil)
        #expect(S3XML(uploads.body).elements("Upload").isEmpty)
        #expect(try await !remote.exists("big.bin"))
    }

    @Test("a missing key is notFound for download and metadata, absent for exists, fine to delete")
    func missingKey() async throws {
        let remote = try await MotoServer.plain.server().remote()
        let folder = try ScratchFolder()
        await #expect { try await remote.download("nope.csv", to: folder.path + "/x", progress: nil) } throws: {
            ($0 as? RemoteError)?.kind == .notFound && ($0 as? RemoteError)?.file == "nope.csv"
        }
        await #expect { try await remote.contentMD5(of: "nope.csv") } throws: {
            ($0 as? RemoteError)?.kind == .notFound
        }
        #expect(try await !remote.exists("nope.csv"))
        try await remote.delete("nope.csv")
        #expect(try await remote.list().isEmpty)
    }

    @Test("a missing bucket is notFound")
    func missingBucket() async throws {
        let server = try await MotoServer.plain.server()
        let remote = S3Remote(
            try S3Configuration(
                bucket: "no-such-bucket-here", endpoint: server.endpoint, credentials: server.credentials))
        await #expect { try await remote.list() } throws: { ($0 as? RemoteError)?.kind == .notFound }
    }

    @Test("keeps the connection alive between requests")
    func keepAlive() async throws {
        // moto's server closes every connection: this one keeps them open.
        let server = try await ScriptServer.LaunchOnce("s3-keepalive-server.py").server()
        let configuration = try S3Configuration(
            bucket: "bucket", endpoint: server.endpoint,
            credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "s"))
        // A client of its own, so no concurrent test takes the idle connection.
        let remote = S3Remote(configuration, client: CurlHTTPClient(timeouts: HTTPTimeouts()))
        let list = S3Request(method: "GET", key: nil, query: [("list-type", "2")])
        #expect(try await remote.send(list, file: nil).newConnections == 1)
        #expect(try await remote.send(list, file: nil).newConnections == 0)
        #expect(try await remote.send(S3Request(method: "HEAD", key: "x"), file: nil).newConnections == 0)
        #expect(try await remote.list().isEmpty)
    }

    @Test("cancelling a large download aborts it promptly")
    func cancelDownload() async throws {
        let remote = try await MotoServer.plain.server().remote()
        let folder = try ScratchFolder()
        let size = 48 << 20
        try await remote.upload(try folder.write("large", size: size), as: "large.bin", progress: nil)
        let (started, signal) = AsyncStream<Void>.makeStream()
        let destination = folder.path + "/copy"
        let download = Task {
            try await remote.download("large.bin", to: destination, progress: { _ in signal.yield() })
        }
        for await _ in started { break }
        download.cancel()
        let result = await download.result
        #expect(throws: CancellationError.self) { try result.get() }
        let written = try FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int ?? 0
        #expect(written < size)
        #expect(try await remote.exists("large.bin"))  // the client still works
    }
}

/// Collects progress reports from the client thread.
final class Reported: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int64] = []

    func record(_ value: Int64) { lock.withLock { values.append(value) } }
    var last: Int64? { lock.withLock { values.last } }
}
