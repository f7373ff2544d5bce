import Foundation
import PipeRemotes
import Testing

/// A fresh folder under the system temp dir, removed when the test ends.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "datapipe-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    func read(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path + "/" + relative)), as: UTF8.self)
    }

    func names() throws -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
            .filter { !isFolder($0) }.sorted()
    }

    private func isFolder(_ relative: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &folder) && folder.boolValue
    }
}

@Suite("The file remote")
struct FileRemoteTests {
    @Test("lists files recursively with size, mtime and md5 as crc")
    func listing() async throws {
        let folder = try TemporaryFolder()
        try folder.write("a.csv", "hello")
        try folder.write("sub/deeper/b.txt", "")
        let remote = FileRemote(root: folder.path)
        let files = try await remote.list().sorted { $0.filename < $1.filename }
        #expect(files.map(\.filename) == ["a.csv", "sub/deeper/b.txt"])
        #expect(files[0].size == 5)
        #expect(files[0].crc == "5d41402abc4b2a76b9719d911017c592")
        #expect(files[0].md5 == files[0].crc)
        #expect(files[1].crc == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(abs(files[0].modifiedAt - Date().timeIntervalSince1970) < 60)
    }

    @Test("a missing root lists as empty")
    func missingRoot() async throws {
        let remote = FileRemote(root: "/nonexistent/datapipe/\(UUID().uuidString)")
        #expect(try await remote.list().isEmpty)
    }

    @Test("upload creates folders, leaves no temporary file, and download returns size and md5")
    func roundTrip() async throws {
        let local = try TemporaryFolder()
        let store = try TemporaryFolder()
        try local.write("in.bin", String(repeating: "x", count: 3_000_000))
        let remote = FileRemote(root: store.path)
        try await remote.upload(local.path + "/in.bin", as: "deep/er/out.bin", progress: nil)
        #expect(try store.names() == ["deep/er/out.bin"])
        #expect(try await remote.exists("deep/er/out.bin"))
        #expect(try await !remote.exists("deep/er/nothing.bin"))
        let receipt = try await remote.download("deep/er/out.bin", to: local.path + "/back.bin", progress: nil)
        #expect(receipt.bytes == 3_000_000)
        #expect(receipt.md5 == (try await remote.list().first?.md5))
        try await remote.delete("deep/er/out.bin")
        try await remote.delete("deep/er/out.bin")  // deleting twice is fine
        #expect(try await remote.list().isEmpty)
    }

    @Test(
        "names that would leave the root are refused before touching the disk",
        arguments: ["../x", "/etc/passwd", "a/../../b", "a//b", ""])
    func traversal(name: String) async throws {
        let store = try TemporaryFolder()
        let remote = FileRemote(root: store.path)
        await #expect(throws: RemoteError.self) { try await remote.delete(name) }
        await #expect(throws: RemoteError.self) {
            _ = try await remote.download(name, to: store.path + "/x", progress: nil)
        }
    }

    @Test("a missing file downloads as a notFound RemoteError naming the file")
    func missingFile() async throws {
        let store = try TemporaryFolder()
        let remote = FileRemote(root: store.path)
        do {
            _ = try await remote.download("nope.csv", to: store.path + "/out", progress: nil)
            Issue.record("download should fail")
        } catch let error as RemoteError {
            #expect(error.kind == .notFound)
            #expect(error.file == "nope.csv")
            #expect(error.protocolName == "file")
        }
    }

    @Test("a cancelled download stops and reports cancellation")
    func cancellation() async throws {
        let store = try TemporaryFolder()
        try store.write("big.bin", String(repeating: "y", count: 50_000_000))
        let remote = FileRemote(root: store.path)
        let task = Task {
            try await remote.download("big.bin", to: store.path + "/copy.bin", progress: { _ in })
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test("the listing after an upload carries the upload's md5, and a file changed since then is read again")
    func listingAfterUpload() async throws {
        let local = try TemporaryFolder()
        let remoteFolder = try TemporaryFolder()
        try local.write("a.csv", "first")
        let remote = FileRemote(root: remoteFolder.path)
        try await remote.upload(local.path + "/a.csv", as: "d/a.csv", progress: nil)
        try await remote.flush()
        #expect(try await remote.list().map(\.md5) == [md5("first")])
        try remoteFolder.write("d/a.csv", "changed after the upload")
        #expect(try await remote.list().map(\.md5) == [md5("changed after the upload")])
    }

    @Test(
        "an upload told the scan's md5 copies in the kernel; a source changed since the scan is refused, nothing placed"
    )
    func uploadScanned() async throws {
        let local = try TemporaryFolder()
        let remoteFolder = try TemporaryFolder()
        try local.write("a.csv", "scanned content")
        let remote = FileRemote(root: remoteFolder.path)
        let scan = try #require(try await FileRemote(root: local.path).list().first)
        try await remote.upload(local.path + "/a.csv", as: "x/a.csv", scanned: scan, progress: nil)
        #expect(try remoteFolder.read("x/a.csv") == "scanned content")
        #expect(try await remote.list().map(\.md5) == [md5("scanned content")])

        try local.write("a.csv", "edited after the scan")
        await #expect {
            try await remote.upload(local.path + "/a.csv", as: "y/a.csv", scanned: scan, progress: nil)
        } throws: { error in
            (error as? RemoteError)?.reason.contains("changed while it was being uploaded") == true
        }
        #expect(try remoteFolder.names() == ["x/a.csv"])
    }

    private func md5(_ text: String) -> String {
        var hasher = MD5()
        hasher.update(Array(text.utf8))
        return hasher.finalizeHex()
    }
}
