import Foundation
import Synchronization
import TestSupport
import Testing

@testable import PipeRemotes

@Suite("FTP failures a user can act on", .timeLimit(.minutes(3)))
struct FTPFailureTests {
    @Test("a wrong password is an authentication error naming protocol and host, never the password")
    func wrongPassword() async throws {
        let server = try await FTPServer.plain.server()
        let remote = FTPRemote(try server.configuration(root: "/x", password: "not-the-Password-42"))
        let error = try await #require(throws: RemoteError.self) { try await remote.list() }
        #expect(error.kind == .authentication)
        #expect(error.protocolName == "ftp")
        #expect(error.location.hasPrefix("127.0.0.1:\(server.port)"))
        #expect(error.reason.contains("login"))
        #expect(!"\(error)".contains("not-the-Password-42"))
        let upload = try await #require(throws: RemoteError.self) {
            try await remote.upload("/dev/null", as: "f", progress: nil)
        }
        #expect(upload.kind == .authentication)
    }

    @Test("an unknown user over TLS is an authentication error too")
    func wrongUserTLS() async throws {
        let server = try await FTPServer.withTLS.server()
        let remote = FTPRemote(try server.configuration(root: "/x", username: "nobody-here"))
        let error = try await #require(throws: RemoteError.self) { try await remote.list() }
        #expect(error.kind == .authentication)
        #expect(error.protocolName == "ftps")
    }

    @Test("TLS is refused when the certificate cannot be verified, unless verification is off")
    func untrustedCertificate() async throws {
        let server = try await FTPServer.withTLS.server()
        var configuration = try server.configuration(root: "/x")
        configuration.verifyTLS = true
        let error = try await #require(throws: RemoteError.self) { try await FTPRemote(configuration).list() }
        #expect(error.reason.contains("certificate"))
    }

    @Test("a refused connection is a (retryable) error naming the port")
    func refused() async throws {
        let port = try freeLoopbackPort()
        let remote = FTPRemote(
            try FTPConfiguration(host: "127.0.0.1", port: port, root: "/", username: "u", password: "p"))
        let error = try await #require(throws: RemoteError.self) { try await remote.list() }
        #expect(error.kind == .transient)
        #expect(error.reason.contains("cannot connect to 127.0.0.1:\(port)"))
    }

    @Test("an unknown host is an error naming it")
    func unknownHost() async throws {
        let remote = FTPRemote(
            try FTPConfiguration(host: "no-such-host.invalid", root: "/", username: "u", password: "p"))
        let error = try await #require(throws: RemoteError.self) { try await remote.list() }
        #expect(error.reason.contains("unknown host \"no-such-host.invalid\""))
    }

    @Test("a folder the user may not enter: listing and uploading are permission errors")
    func permissionDenied() async throws {
        let server = try await FTPServer.plain.server()
        let name = "locked-" + UUID().uuidString.prefix(8)
        let locked = server.folder + "/" + name
        try FileManager.default.createDirectory(atPath: locked + "/inside", withIntermediateDirectories: true)
        chmod(locked, 0o700)  // owned by root, not the FTP user
        let remote = FTPRemote(try server.configuration(root: "/" + name))
        let listing = try await #require(throws: RemoteError.self) { try await remote.list() }
        #expect(listing.kind == .permissionDenied)
        let folder = try ScratchFolder()
        let source = try folder.write("f", size: 10)
        let upload = try await #require(throws: RemoteError.self) {
            try await remote.upload(source, as: "inside/f.txt", progress: nil)
        }
        #expect(upload.kind == .permissionDenied)
        #expect(upload.file == "inside/f.txt")
    }

    @Test("the server killed mid-upload: an error, nothing visible, and the next upload leaves only the file")
    func killedDuringUpload() async throws {
        let server = try await FTPServer.dedicated(maxRate: 128 << 10)
        let remote = try server.remote(folderName: "pipe")
        let folder = try ScratchFolder()
        let source = try folder.write("big", size: 2 << 20)
        let progress = ProgressLog()
        let upload = Task { try await remote.upload(source, as: "sub/big.bin", progress: { progress.add($0) }) }
        try await waitUntil { (progress.last ?? 0) > 64 << 10 }
        try await BlockingIO.run { _ in server.stop() }
        let error = await #expect(throws: RemoteError.self) { try await upload.value }
        #expect(error?.file == "sub/big.bin")
        try await BlockingIO.run { _ in try server.start() }
        #expect(try await remote.list().isEmpty, "the half upload is not listed")
        #expect(try await !remote.exists("sub/big.bin"))
        try await remote.upload(source, as: "sub/big.bin", progress: nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.folder + "/pipe/sub") == ["big.bin"])
        #expect(try await remote.list().map(\.size) == [2 << 20])
    }

    @Test("the server killed mid-download: an error, and the next download completes")
    func killedDuringDownload() async throws {
        let server = try await FTPServer.dedicated()
        let remote = try server.remote(folderName: "pipe")
        let folder = try ScratchFolder()
        let source = try folder.write("big", size: 2 << 20)
        try await remote.upload(source, as: "big.bin", progress: nil)
        try await BlockingIO.run { _ in
            server.stop()
            try server.start(maxRate: 128 << 10)
        }
        let progress = ProgressLog()
        let destination = folder.path + "/copy"
        let download = Task {
            try await remote.download("big.bin", to: destination, progress: { progress.add($0) })
        }
        try await waitUntil { (progress.last ?? 0) > 64 << 10 }
        try await BlockingIO.run { _ in server.stop() }
        let error = await #expect(throws: RemoteError.self) { try await download.value }
        #expect(error?.kind == .transient)
        try await BlockingIO.run { _ in try server.start() }
        let receipt = try await remote.download("big.bin", to: folder.path + "/copy", progress: nil)
        #expect(receipt.md5 == (try folder.md5("big")))
    }

    @Test("a server that hangs mid-download or at login gives a timeout error, not a hang")
    func hungServer() async throws {
        let server = try await FTPServer.dedicated(maxRate: 64 << 10)
        var configuration = try server.configuration(root: "/pipe")
        configuration.connectSeconds = 3
        configuration.stallSeconds = 3
        let remote = FTPRemote(configuration)
        try FileManager.default.createDirectory(atPath: server.folder + "/pipe", withIntermediateDirectories: true)
        try Data(count: 4 << 20).write(to: URL(fileURLWithPath: server.folder + "/pipe/big.bin"))
        let folder = try ScratchFolder()
        let destination = folder.path + "/copy"
        let progress = ProgressLog()
        let download = Task { try await remote.download("big.bin", to: destination, progress: { progress.add($0) }) }
        try await waitUntil { progress.count > 0 }
        server.freeze(true)
        defer { server.freeze(false) }
        let stalled = await #expect(throws: RemoteError.self) { try await download.value }
        #expect(stalled?.kind == .transient)
        let fresh = FTPRemote(configuration)  // a new login to the frozen server
        let login = await #expect(throws: RemoteError.self) { try await fresh.exists("big.bin") }
        #expect(login?.kind == .transient)
    }

    @Test("a hung server holds up only its own transfers: another server's go on meanwhile")
    func hungServerIsolated() async throws {
        let hung = try await FTPServer.dedicated(maxRate: 64 << 10)
        var configuration = try hung.configuration(root: "/pipe")
        configuration.connectSeconds = 3
        configuration.stallSeconds = 3
        try FileManager.default.createDirectory(atPath: hung.folder + "/pipe", withIntermediateDirectories: true)
        try Data(count: 4 << 20).write(to: URL(fileURLWithPath: hung.folder + "/pipe/big.bin"))
        let folder = try ScratchFolder()
        let destination = folder.path + "/copy"
        let small = try folder.write("small", size: 1000)
        let progress = ProgressLog()
        let stuck = FTPRemote(configuration)
        let download = Task {
            try await stuck.download("big.bin", to: destination, progress: { progress.add($0) })
        }
        try await waitUntil { progress.count > 0 }
        hung.freeze(true)
        defer { hung.freeze(false) }
        // libcurl blocks the thread of the hung server's client (after the
        // stalled transfer, at the QUIT of its connection): meanwhile another
        // server answers within its own short stall limit, again and again.
        let hungCallsEnded = Flag()
        Task {
            _ = try? await download.value
            _ = try? await FTPRemote(configuration).exists("big.bin")
            try? await Task.sleep(for: .seconds(3))
            hungCallsEnded.raise()
        }
        var healthy = try await FTPServer.plain.server().configuration(root: "/isolated-" + UUID().uuidString.prefix(8))
        healthy.stallSeconds = 10
        let other = FTPRemote(healthy)
        var uploaded = 0
        repeat {
            try await other.upload(small, as: "f\(uploaded)", progress: nil)
            uploaded += 1
        } while !hungCallsEnded.isRaised
        #expect(try await other.list().count == uploaded)
        await #expect(throws: RemoteError.self) { try await download.value }
    }

    @Test("cancelling a slow download ends it promptly with CancellationError")
    func cancel() async throws {
        let server = try await FTPServer.dedicated(maxRate: 64 << 10)
        let remote = try server.remote(folderName: "pipe")
        let folder = try ScratchFolder()
        try FileManager.default.createDirectory(atPath: server.folder + "/pipe", withIntermediateDirectories: true)
        try Data(count: 4 << 20).write(to: URL(fileURLWithPath: server.folder + "/pipe/big.bin"))
        let progress = ProgressLog()
        let destination = folder.path + "/copy"
        let download = Task {
            try await remote.download("big.bin", to: destination, progress: { progress.add($0) })
        }
        try await waitUntil { progress.count > 0 }
        download.cancel()
        await #expect(throws: CancellationError.self) { try await download.value }
    }
}

/// A one-way signal between tasks.
final class Flag: Sendable {
    private let raised = Atomic(false)
    func raise() { raised.store(true, ordering: .releasing) }
    var isRaised: Bool { raised.load(ordering: .acquiring) }
}

/// Polls `condition` every 20 ms for up to 30 s.
func waitUntil(_ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<1500 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within 30 s")
}
