import Foundation
import TestSupport
import Testing

@testable import PipeRemotes

/// Plain FTP and explicit TLS, against a real vsftpd (no MLSD: LIST + MDTM).
enum FTPKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case ftp, ftps
    var testDescription: String { rawValue }

    func server() async throws -> FTPServer {
        try await (self == .ftps ? FTPServer.withTLS : FTPServer.plain).server()
    }
}

@Suite("The FTP remote against vsftpd", .timeLimit(.minutes(3)))
struct FTPRemoteTests {
    static let names = [
        "plain.csv", "a b/c  d.txt", "ü/日本語.bin", "plus+percent%25%.dat", "deep/1/2/3/4/x", ".hidden",
        "q?&#@!'(),;$[]{}.txt",
    ]

    /// The first file is empty.
    static func size(_ index: Int) -> Int { index == 0 ? 0 : 1000 + index * 37 }

    @Test("odd names round-trip through upload, list, download, exists and delete", arguments: FTPKind.allCases)
    func roundTrip(_ kind: FTPKind) async throws {
        let server = try await kind.server()
        let remote = try server.remote()
        #expect(remote.protocolName == kind.rawValue)
        #expect(try await remote.list().isEmpty, "a root not made yet lists as empty")
        let folder = try ScratchFolder()
        var md5s: [String: String] = [:]
        for (index, name) in Self.names.enumerated() {
            let source = try folder.write("source\(index)", size: Self.size(index), seed: UInt8(index))
            md5s[name] = try folder.md5("source\(index)")
            try await remote.upload(source, as: name, progress: nil)
        }
        let listed = try await remote.list().sorted { $0.filename < $1.filename }
        #expect(listed.map(\.filename) == Self.names.sorted())
        for file in listed {
            let index = Self.names.firstIndex(of: file.filename)!
            #expect(file.size == Int64(Self.size(index)))
            let onDisk = try diskModification(server, remote, file.filename)
            #expect(file.modifiedAt == onDisk, "MDTM gives the exact second")
            #expect(file.crc == "\(Int64(onDisk))-\(Self.size(index))")
        }
        for (index, name) in Self.names.enumerated() {
            let receipt = try await remote.download(name, to: folder.path + "/copy", progress: nil)
            #expect(receipt == DownloadReceipt(bytes: Int64(Self.size(index)), md5: md5s[name]!), "\(name)")
            #expect(try folder.md5("copy") == md5s[name])
            #expect(try await remote.exists(name))
        }
        #expect(try await !remote.exists("missing.txt"))
        #expect(try await !remote.exists("deep/1"), "a folder is not a file")
        try await remote.delete(Self.names[1])
        try await remote.delete(Self.names[1])
        try await remote.delete("never/there.txt")
        #expect(try await !remote.exists(Self.names[1]))
        #expect(try await remote.list().count == Self.names.count - 1)
        #expect(try temporaryLeftovers(server, remote) == [])
    }

    @Test("a tree made on the server's disk lists completely: nested folders, spaces, exact times, no temp files")
    func listsDiskTree() async throws {
        let server = try await FTPServer.plain.server()
        let root = "tree-" + UUID().uuidString.prefix(8)
        let base = server.folder + "/" + root
        let files = [
            "top.txt": 1_600_000_001.0, "with space/inner file.txt": 1_600_000_002, "a/b/c/d/deep.bin": 1_500_000_003,
            " leading space.txt": 1_600_000_004, "a/.dot": 1_600_000_005,
        ]
        for (name, time) in files {
            try write(base + "/" + name, String(repeating: "x", count: name.count))
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: time)], ofItemAtPath: base + "/" + name)
        }
        try FileManager.default.createDirectory(atPath: base + "/empty folder", withIntermediateDirectories: true)
        try write(base + "/a/.x.txt.datapipe-upload", "half")
        try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: "top.txt")
        let remote = FTPRemote(try server.configuration(root: "/" + root))
        let listed = try await remote.list().sorted { $0.filename < $1.filename }
        #expect(listed.map(\.filename) == files.keys.sorted())
        for file in listed {
            #expect(file.modifiedAt == files[file.filename])
            #expect(file.size == Int64(file.filename.count))
            #expect(file.crc == "\(Int64(files[file.filename]!))-\(file.filename.count)")
        }
    }

    @Test("an upload replaces an existing file; many small files at once share connections")
    func replaceAndMany() async throws {
        let server = try await FTPServer.plain.server()
        let remote = try server.remote()
        let folder = try ScratchFolder()
        let first = try folder.write("first", Data("one".utf8))
        let second = try folder.write("second", Data("second version".utf8))
        try await remote.upload(first, as: "dir/f.txt", progress: nil)
        try await remote.upload(second, as: "dir/f.txt", progress: nil)
        _ = try await remote.download("dir/f.txt", to: folder.path + "/back", progress: nil)
        #expect(try String(contentsOfFile: folder.path + "/back", encoding: .utf8) == "second version")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<60 {
                if index >= 8 { try await group.next() }
                group.addTask { try await remote.upload(first, as: "many/\(index % 3)/f\(index).txt", progress: nil) }
            }
            try await group.waitForAll()
        }
        #expect(try await remote.list().count == 61)
        #expect(try temporaryLeftovers(server, remote) == [])
    }

    @Test("a folder removed behind the remote's back is made again on the next upload")
    func folderRemovedBehindOurBack() async throws {
        let server = try await FTPServer.plain.server()
        let remote = try server.remote()
        let folder = try ScratchFolder()
        let source = try folder.write("f", Data("content".utf8))
        try await remote.upload(source, as: "a/b/f.txt", progress: nil)
        try FileManager.default.removeItem(atPath: server.folder + remote.configuration.root! + "/a")
        try await remote.upload(source, as: "a/b/f.txt", progress: nil)
        #expect(try await remote.list().map(\.filename) == ["a/b/f.txt"])
        #expect(try temporaryLeftovers(server, remote) == [])
    }

    @Test("a folder removed and made again behind the remote's back lists its new content")
    func folderRemadeBehindOurBack() async throws {
        let server = try await FTPServer.plain.server()
        let remote = try server.remote()
        let disk = server.folder + remote.configuration.root!
        try write(disk + "/a/old.txt", "old")
        #expect(try await remote.list().map(\.filename) == ["a/old.txt"])
        try FileManager.default.removeItem(atPath: disk + "/a")
        try write(disk + "/a/new.txt", "new")
        #expect(try await remote.list().map(\.filename) == ["a/new.txt"])
    }

    @Test("without options.remotepath the root is the folder the server logs the user into")
    func loginFolder() async throws {
        let server = try await FTPServer.plain.server()
        let remote = FTPRemote(try server.configuration(root: nil))
        let folder = try ScratchFolder()
        let name = "login-folder-\(UUID().uuidString).txt"
        try await remote.upload(try folder.write("f", Data("x".utf8)), as: name, progress: nil)
        #expect(FileManager.default.fileExists(atPath: server.folder + "/" + name))
        #expect(try await remote.exists(name))
        try await remote.delete(name)
        #expect(!FileManager.default.fileExists(atPath: server.folder + "/" + name))
    }

    @Test("progress reports reach the file size")
    func progress() async throws {
        let server = try await FTPServer.plain.server()
        let remote = try server.remote()
        let folder = try ScratchFolder()
        let source = try folder.write("big", size: 3 << 20)
        let seen = ProgressLog()
        try await remote.upload(source, as: "big.bin", progress: { seen.add($0) })
        #expect(seen.last == 3 << 20)
        let down = ProgressLog()
        _ = try await remote.download("big.bin", to: folder.path + "/copy", progress: { down.add($0) })
        #expect(down.last == 3 << 20)
        #expect(try folder.md5("copy") == folder.md5("big"))
    }

    // MARK: Helpers

    private func diskModification(_ server: FTPServer, _ remote: FTPRemote, _ name: String) throws -> Double {
        let path = server.folder + remote.configuration.root! + "/" + name
        let date = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        return date.timeIntervalSince1970.rounded(.down)
    }

    private func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// Names in the remote's folder on the server's disk that look like temporary uploads.
func temporaryLeftovers(_ server: FTPServer, _ remote: FTPRemote) throws -> [String] {
    let all = FileManager.default.enumerator(atPath: server.folder + remote.configuration.root!)?.allObjects
    return (all as? [String] ?? []).filter { $0.hasSuffix(FTPRemote.uploadSuffix) }
}

/// Collects progress callbacks from any thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int64] = []

    func add(_ value: Int64) { lock.withLock { values.append(value) } }
    var last: Int64? { lock.withLock { values.last } }
    var count: Int { lock.withLock { values.count } }
}
