import Foundation
import Synchronization
import TestSupport
import Testing

@testable import PipeRemotes

/// SFTPRemote against a real OpenSSH sshd on loopback (root with a key; a
/// throwaway account with a password). The remote folder is a local temp
/// folder, so the tests check the server's disk directly too.
@Suite("SFTP remote (real sshd)", .timeLimit(.minutes(5)))
struct SFTPRemoteTests {
    @Test("upload, list, download, exists and delete with key auth; no temporary names left")
    func roundTrip() async throws {
        let server = try await SSHServer.shared.server()
        let scratch = try ScratchFolder()
        let remoteRoot = scratch.path + "/remote/pipe"  // created by the first upload
        let remote = SFTPRemote(server.configuration(root: remoteRoot))

        #expect(try await remote.list().isEmpty, "a missing root lists as empty")
        let big = try scratch.write("big.bin", size: 9 << 20 + 123)
        let small = try scratch.write("small.txt", Data("hello".utf8))
        let reported = Mutex<Int64>(0)
        try await remote.upload(big, as: "sub/deeper/big.bin") { done in reported.withLock { $0 = done } }
        try await remote.upload(small, as: "small.txt", progress: nil)
        #expect(reported.withLock { $0 } == 9 << 20 + 123)

        let listed = try await remote.list().sorted { $0.filename < $1.filename }
        #expect(listed.map(\.filename) == ["small.txt", "sub/deeper/big.bin"])
        #expect(listed.map(\.size) == [5, 9 << 20 + 123])
        for file in listed {
            let attributes = try FileManager.default.attributesOfItem(atPath: remoteRoot + "/" + file.filename)
            let mtime = Int64((attributes[.modificationDate] as! Date).timeIntervalSince1970)
            #expect(file.crc == "\(mtime)-\(file.size)", "crc is mtime-size as d6tpipe")
            #expect(file.modifiedAt == Double(mtime))
        }

        let receipt = try await remote.download("sub/deeper/big.bin", to: scratch.path + "/back.bin", progress: nil)
        #expect(receipt.bytes == 9 << 20 + 123)
        #expect(receipt.md5 == (try scratch.md5("big.bin")))
        #expect(try scratch.md5("back.bin") == (try scratch.md5("big.bin")))

        #expect(try await remote.exists("small.txt"))
        #expect(try await !remote.exists("missing.txt"))
        #expect(try await !remote.exists("sub"), "a folder is not a file")
        try await remote.delete("small.txt")
        try await remote.delete("small.txt")  // missing: no error
        #expect(try await remote.list().map(\.filename) == ["sub/deeper/big.bin"])
        #expect(try leftovers(below: remoteRoot).isEmpty)
    }

    @Test("an upload replaces an existing file; concurrent uploads each get a session")
    func overwriteAndConcurrency() async throws {
        let server = try await SSHServer.shared.server()
        let scratch = try ScratchFolder()
        let remoteRoot = scratch.path + "/remote"
        var configuration = server.configuration(root: remoteRoot)
        configuration.maxSessions = 3
        let remote = SFTPRemote(configuration)
        try await remote.upload(try scratch.write("one", Data("first version".utf8)), as: "f.txt", progress: nil)
        try await remote.upload(try scratch.write("two", Data("second".utf8)), as: "f.txt", progress: nil)
        #expect(try String(contentsOfFile: remoteRoot + "/f.txt", encoding: .utf8) == "second")

        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 {
                let source = try scratch.write("part\(index)", size: 300_000 + index, seed: UInt8(index))
                group.addTask { try await remote.upload(source, as: "parts/\(index).bin", progress: nil) }
            }
            try await group.waitForAll()
        }
        let listed = try await remote.list()
        #expect(listed.count == 11)
        for index in 0..<10 {
            let back = try await remote.download(
                "parts/\(index).bin", to: scratch.path + "/back\(index)", progress: nil)
            #expect(back.md5 == (try scratch.md5("part\(index)")))
        }
        #expect(try leftovers(below: remoteRoot).isEmpty)
    }

    @Test("password auth with a real account; a wrong password is an authentication error without the password")
    func passwords() async throws {
        let server = try await SSHServer.shared.server()
        let user = try SSHServer.passwordUser()
        let scratch = try ScratchFolder()
        let remoteRoot = scratch.path + "/remote"
        try FileManager.default.createDirectory(atPath: remoteRoot, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.ownerAccountName: user.name], ofItemAtPath: remoteRoot)
        var configuration = server.configuration(root: remoteRoot, user: user.name)
        configuration.authentication = .password(user.password)
        let remote = SFTPRemote(configuration)
        try await remote.upload(try scratch.write("a", Data("by password".utf8)), as: "a.txt", progress: nil)
        #expect(try await remote.list().map(\.filename) == ["a.txt"])

        configuration.authentication = .password("wrong-secret-\(UUID().uuidString)")
        let error = await #expect(throws: RemoteError.self) { try await SFTPRemote(configuration).list() }
        #expect(error?.kind == .authentication)
        #expect(error?.protocolName == "sftp")
        #expect(error?.location == "127.0.0.1:\(server.port)")
        #expect(error?.reason.contains("refused the password for user \(user.name)") == true)
        #expect(error.map { "\($0)".contains("wrong-secret") } == false)
    }

    @Test("a key the server does not know is refused as an authentication error")
    func unknownKey() async throws {
        let server = try await SSHServer.shared.server()
        let other = try SSHServer()  // another client key, not authorized on `server`
        let scratch = try ScratchFolder()
        var configuration = server.configuration(root: scratch.path)
        configuration.authentication = .privateKeyFile(other.clientKeyPath, passphrase: nil)
        let error = await #expect(throws: RemoteError.self) { try await SFTPRemote(configuration).list() }
        #expect(error?.kind == .authentication)
        #expect(error?.reason.contains("refused the private key") == true)
    }

    @Test("a port nobody listens on is a refused connection naming host and port")
    func refusedConnection() async throws {
        let port = try freeLoopbackPort()
        let configuration = SFTPConfiguration(
            host: "127.0.0.1", port: port, root: "/tmp", username: "root", authentication: .password("x"))
        let error = await #expect(throws: RemoteError.self) { try await SFTPRemote(configuration).list() }
        #expect(error?.location == "127.0.0.1:\(port)")
        #expect(error?.reason.contains("connection refused") == true)
    }

    @Test("an unknown host name is an error naming it")
    func unknownHost() async throws {
        let configuration = SFTPConfiguration(
            host: "no-such-host.invalid", root: "/tmp", username: "root", authentication: .password("x"))
        let error = await #expect(throws: RemoteError.self) { try await SFTPRemote(configuration).list() }
        #expect(error?.reason.contains("unknown host no-such-host.invalid") == true)
    }

    @Test("host keys: first contact recorded with a warning, then silent; a changed key is refused")
    func hostKeys() async throws {
        let server = try await SSHServer.shared.server()
        let scratch = try ScratchFolder()
        let knownHosts = scratch.path + "/profile.known_hosts"
        let warnings = Mutex<[String]>([])
        let remote = SFTPRemote(server.configuration(root: scratch.path, knownHosts: knownHosts))
        _ = try await RemoteNotices.$handler.withValue({ message in warnings.withLock { $0.append(message) } }) {
            try await remote.list()
        }
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        let keyField = server.hostPublicKey.split(separator: " ")[1]
        #expect(recorded.contains("[127.0.0.1]:\(server.port) ssh-ed25519 \(keyField)"))
        #expect(warnings.withLock { $0.count } == 1)
        #expect(warnings.withLock { $0.first?.contains(server.hostFingerprint) } == true)

        // A new remote (a later process) finds the key and says nothing.
        _ = try await RemoteNotices.$handler.withValue({ message in warnings.withLock { $0.append(message) } }) {
            try await SFTPRemote(server.configuration(root: scratch.path, knownHosts: knownHosts)).list()
        }
        #expect(warnings.withLock { $0.count } == 1)

        // The same host and port with another key on record: refused, file unchanged.
        let other = try SSHServer()
        let otherKey = other.hostPublicKey.split(separator: " ")[1]
        let forged = "[127.0.0.1]:\(server.port) ssh-ed25519 \(otherKey)\n"
        try forged.write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let error = await #expect(throws: RemoteError.self) {
            try await SFTPRemote(server.configuration(root: scratch.path, knownHosts: knownHosts)).list()
        }
        #expect(error?.kind == .authentication)
        #expect(error?.reason.contains("host key changed") == true)
        #expect(error?.reason.contains(server.hostFingerprint) == true)
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == forged)
    }

    @Test("options.host_key pins a key: the right one (fingerprint or key line) passes, another is refused")
    func pinnedHostKey() async throws {
        let server = try await SSHServer.shared.server()
        let other = try SSHServer()
        let scratch = try ScratchFolder()
        for pin in [server.hostFingerprint, server.hostPublicKey] {
            var configuration = server.configuration(root: scratch.path)
            configuration.pinnedHostKey = pin
            #expect(try await SFTPRemote(configuration).list().isEmpty)
        }
        var configuration = server.configuration(root: scratch.path)
        configuration.pinnedHostKey = other.hostFingerprint
        let error = await #expect(throws: RemoteError.self) { try await SFTPRemote(configuration).list() }
        #expect(error?.reason.contains("options.host_key") == true)
    }

    @Test("names that leave the root are refused before anything is sent")
    func unsafeNames() async throws {
        let configuration = SFTPConfiguration(
            host: "127.0.0.1", port: 1, root: "/tmp", username: "root", authentication: .password("x"))
        let remote = SFTPRemote(configuration)
        for name in ["../etc/passwd", "/etc/passwd", "a/./b", ""] {
            let error = await #expect(throws: RemoteError.self) { try await remote.exists(name) }
            #expect(error?.kind == .invalidResponse)
        }
    }

    @Test("the server killed mid-upload: an error, nothing at the target; after a restart the next upload completes")
    func killedDuringUpload() async throws {
        let server = try SSHServer()
        let scratch = try ScratchFolder()
        let remoteRoot = scratch.path + "/remote"
        let source = try scratch.write("big.bin", size: 48 << 20)
        let remote = SFTPRemote(server.configuration(root: remoteRoot))
        let killed = Atomic(false)
        let error = await #expect(throws: RemoteError.self) {
            try await remote.upload(source, as: "data/big.bin") { done in
                if done >= 4 << 20, !killed.exchange(true, ordering: .relaxed) { server.kill() }
            }
        }
        let didKill = killed.load(ordering: .relaxed)
        #expect(didKill)
        #expect(error?.isTransient == true)
        #expect(!FileManager.default.fileExists(atPath: remoteRoot + "/data/big.bin"))

        let restarted = try SSHServer(reusing: server)
        let again = SFTPRemote(restarted.configuration(root: remoteRoot))
        #expect(try await again.list().isEmpty, "the interrupted upload is not listed")
        try await again.upload(source, as: "data/big.bin", progress: nil)
        #expect(try await again.list().map(\.filename) == ["data/big.bin"])
        #expect(
            try FileCopy.md5(of: remoteRoot + "/data/big.bin", cancellation: CancellationFlag())
                == (try scratch.md5("big.bin")))
    }

    @Test("the server killed mid-download: an error and no partial local file")
    func killedDuringDownload() async throws {
        let server = try SSHServer()
        let scratch = try ScratchFolder()
        let remoteRoot = scratch.path + "/remote"
        try FileManager.default.createDirectory(atPath: remoteRoot, withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            atPath: try scratch.write("big.bin", size: 48 << 20), toPath: remoteRoot + "/big.bin")
        let remote = SFTPRemote(server.configuration(root: remoteRoot))
        let killed = Atomic(false)
        let destination = scratch.path + "/big.partial"
        let error = await #expect(throws: RemoteError.self) {
            try await remote.download("big.bin", to: destination) { done in
                if done >= 4 << 20, !killed.exchange(true, ordering: .relaxed) { server.kill() }
            }
        }
        let didKill = killed.load(ordering: .relaxed)
        #expect(didKill)
        #expect(error?.isTransient == true)
        #expect(!FileManager.default.fileExists(atPath: destination))
    }

    @Test("a cancelled download stops and leaves no local file")
    func cancellation() async throws {
        let server = try await SSHServer.shared.server()
        let scratch = try ScratchFolder()
        try FileManager.default.moveItem(
            atPath: try scratch.write("big.bin", size: 32 << 20), toPath: scratch.path + "/remote.bin")
        let remote = SFTPRemote(server.configuration(root: scratch.path))
        let started = AsyncStream<Void>.makeStream()
        let cancelled = DispatchSemaphore(value: 0)
        let destination = scratch.path + "/copy.partial"
        let task = Task {
            try await remote.download("remote.bin", to: destination) { _ in
                started.continuation.yield()
                // The first chunk waits for the cancellation, so it lands mid-file on any machine.
                _ = cancelled.wait(timeout: .now() + 60)
            }
        }
        for await _ in started.stream { break }
        task.cancel()
        cancelled.signal()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!FileManager.default.fileExists(atPath: destination))
        #expect(try await remote.exists("remote.bin"), "the pool still works after a cancelled transfer")
    }

    /// Temporary upload names anywhere below `root`.
    private func leftovers(below root: String) throws -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter {
            $0.hasSuffix(".datapipe-upload")
        }
    }
}
