import Foundation
import PipeRemotes
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// Shared by the Faults* suites: an S3 bucket on moto with a pipe pointing at
// it (directly or through a FaultProxy), file trees to compare, and a few
// root-only helpers (tmpfs, dropped capabilities).

/// A fresh bucket on the process's moto server.
struct FaultBucket {
    let remote: S3Remote
    let motoPort: Int

    static func make(motoPort: Int? = nil, name: String? = nil) async throws -> FaultBucket {
        let port: Int
        if let motoPort {
            port = motoPort
        } else {
            port = try await MotoServer.plain.server().port
        }
        let bucket = name ?? "dp-" + UUID().uuidString.lowercased().prefix(18)
        let configuration = try S3Configuration(
            bucket: bucket, prefix: "",
            endpoint: S3Endpoint(scheme: "http", host: "127.0.0.1", port: port),
            credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing"))
        let remote = S3Remote(configuration)
        try await remote.createBucket()
        return FaultBucket(remote: remote, motoPort: port)
    }

    var name: String { remote.configuration.bucket }

    /// `pipes.upsert` params for pipe `pipe` on this bucket, reached at `port`
    /// (moto's, or a proxy's in front of it).
    func upsertParams(pipe: String = "p", port: Int? = nil) -> String {
        let endpoint = "http://127.0.0.1:\(port ?? motoPort)"
        return
            #"{"settings":{"name":"\#(pipe)","protocol":"s3","options":{"remotepath":"s3://\#(name)/","endpoint_url":"\#(endpoint)"},"credentials":{"aws_access_key_id":"testing","aws_secret_access_key":"testing"}}}"#
    }

    /// Uploads `files` (name → content) straight to the bucket.
    func seed(_ files: [String: Data]) async throws {
        let staging = try ScratchDirectory()
        for (name, content) in files {
            let path = staging.file(name.replacingOccurrences(of: "/", with: "_"))
            try content.write(to: URL(fileURLWithPath: path))
            try await remote.upload(path, as: name, progress: nil)
        }
    }

    /// Every object: name → md5 of its content (downloaded, not trusted from ETags).
    func contents() async throws -> [String: String] {
        let staging = try ScratchDirectory()
        var result: [String: String] = [:]
        for file in try await remote.list() {
            let receipt = try await remote.download(file.filename, to: staging.file("object"), progress: nil)
            #expect(receipt.bytes == file.size, "\(file.filename): listed \(file.size) bytes, got \(receipt.bytes)")
            result[file.filename] = receipt.md5
        }
        return result
    }
}

/// Test content: `count` files of `size` bytes each, all different.
func faultFiles(count: Int, size: Int, prefix: String = "data/f") -> [String: Data] {
    var files: [String: Data] = [:]
    for index in 0..<count {
        var content = Data(repeating: UInt8(index % 251), count: size)
        content.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(index).bigEndian) { Data($0) })
        files[String(format: "\(prefix)-%03d.bin", index)] = content
    }
    return files
}

func md5Hex(_ data: Data) -> String {
    var hasher = MD5()
    data.withUnsafeBytes { hasher.update($0) }
    return hasher.finalizeHex()
}

/// Regular files below `folder` (relative paths), datapipe's own state files excluded.
func regularFiles(below folder: String) -> [String] {
    (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { name in
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder)
        return !isFolder.boolValue
    }.sorted()
}

/// Every file at a target path below `folder` must be one of `expected`, whole.
func expectOnlyCompleteFiles(
    in folder: String, expected: [String: Data], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    for name in regularFiles(below: folder) where !name.hasSuffix(".partial") {
        let content = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        #expect(
            content == expected[name], "\(name) is at its target path but incomplete or unexpected",
            sourceLocation: sourceLocation)
    }
}

/// The folder holds exactly `expected`, byte for byte, and nothing else (no `.partial`).
func expectTree(_ folder: String, equals expected: [String: Data], sourceLocation: SourceLocation = #_sourceLocation)
    throws
{
    #expect(regularFiles(below: folder) == expected.keys.sorted(), sourceLocation: sourceLocation)
    for (name, content) in expected {
        let here = FileManager.default.contents(atPath: folder + "/" + name)
        #expect(here == content, "\(name) differs", sourceLocation: sourceLocation)
    }
}

func writeTree(_ files: [String: Data], into folder: String) throws {
    for (name, content) in files {
        let url = URL(fileURLWithPath: folder + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try content.write(to: url)
    }
}

/// Waits (polling, off nothing but a sleep) until `condition` holds.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(60), _ condition: @Sendable () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw HarnessError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Runs a program to its end; returns its exit status and combined output.
@discardableResult
func runTool(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A tmpfs of `size` mounted on `folder` (needs root, as CI runs); unmounted by `unmount()`.
struct TmpfsMount {
    let folder: String

    init(at folder: String, size: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = try runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", folder])
        guard result.status == 0 else {
            throw HarnessError("mount tmpfs on \(folder) failed (tests run as root in CI): \(result.output)")
        }
        self.folder = folder
    }

    func unmount() { _ = try? runTool("/bin/umount", ["-l", folder]) }
}
