import Foundation
import TestSupport
import Testing

/// `datapipe` killed with SIGKILL in the middle of an SFTP pull and of an
/// SFTP push, against the real sshd of the tests. A FaultProxy between the
/// bridge and sshd pauses each SSH connection once it has carried
/// `FaultsKillTests.pauseAfter` bytes (SSH is encrypted, but a paused
/// connection is a transfer held mid-file all the same), so the kill lands
/// with some files done and others in flight. Afterwards, as for S3
/// (FaultsKillTests): whole files only, local files intact, and a re-run
/// finishes the job. The remote is a folder on this machine, read directly.
@Suite("Faults: SIGKILL during SFTP transfers", .timeLimit(.minutes(3)))
struct FaultsKillSFTPTests {
    static let files = FaultsKillTests.files

    /// A fresh remote folder on the tests' sshd, reached through a proxy.
    struct Scene {
        let server: SSHServer
        let proxy: FaultProxy
        let remote: String
        let directory: ScratchDirectory
        var folder: String { directory.path + "/datapipe/files/default/p" }

        static func make(_ fault: FaultProxy.Fault) async throws -> Scene {
            let server = try await SSHServer.shared.server()
            let directory = try ScratchDirectory()
            let remote = directory.path + "/remote"
            try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
            return Scene(
                server: server, proxy: try FaultProxy(upstreamPort: server.port, fault: fault), remote: remote,
                directory: directory)
        }

        var upsertParams: String {
            #"{"settings":{"name":"p","protocol":"sftp","location":"127.0.0.1:\#(proxy.port)","options":{"remotepath":"\#(remote)"},"credentials":{"username":"root","private_key_path":"\#(server.clientKeyPath)"}}}"#
        }

        /// Starts a bridge, defines the pipe, sends `method` and SIGKILLs the
        /// bridge once the proxy holds a transfer.
        func killDuring(_ method: String) async throws {
            let first = try BridgeProcess.rpc(in: directory)
            defer { first.kill() }
            let rpc = first.peer(.lines)
            let made = try await rpc.call("pipes.upsert", params: upsertParams, id: "1")
            try #require(made.error == nil, "\(made)")
            try rpc.send(
                #"{"jsonrpc":"2.0","id":"t","method":"\#(method)","params":{"pipe":"p","concurrency":\#(FaultsKillTests.slots)}}"#
            )
            try await waitUntil("the proxy to hold a transfer") { proxy.injected >= 1 }
            first.signal(SIGKILL)
            #expect(try await first.waitForExit() == .signalled(SIGKILL))
            proxy.arm(nil)
            proxy.release()
        }

        /// Runs `method` in a fresh bridge; answers the files it moved.
        func rerun(_ method: String, _ rpc: RPCPeer, id: String) async throws -> [String] {
            let result = try await rpc.call(method, params: #"{"pipe":"p"}"#, id: id, timeout: .seconds(90))
            return try #require(result.resultObject?["files"] as? [String], "\(result)")
        }

        /// The remote's files by name, upload leftovers apart.
        func remoteFiles() -> (files: [String], leftovers: [String]) {
            let all = regularFiles(below: remote)
            let leftovers = all.filter { $0.hasSuffix(".datapipe-upload") }
            return (all.filter { !$0.hasSuffix(".datapipe-upload") }, leftovers)
        }
    }

    @Test("SIGKILL during an SFTP pull: only whole files at target paths; the re-run pulls the rest, no .partial left")
    func killDuringPull() async throws {
        let scene = try await Scene.make(
            .init(.pause, .download, afterBytes: FaultsKillTests.pauseAfter, times: 1_000))
        defer { scene.proxy.stop() }
        try writeTree(Self.files, into: scene.remote)
        try await scene.killDuring("pipe.pull")

        try expectOnlyCompleteFiles(in: scene.folder, expected: Self.files)
        let landed = Set(regularFiles(below: scene.folder).filter { !$0.hasSuffix(".partial") })
        #expect(landed.count < Self.files.count, "the kill came after the pull")

        let second = try BridgeProcess.rpc(in: scene.directory)
        defer { second.kill() }
        let again = second.peer(.lines)
        let pulled = try await scene.rerun("pipe.pull", again, id: "2")
        #expect(Set(pulled).isSuperset(of: Set(Self.files.keys).subtracting(landed)))
        try expectTree(scene.folder, equals: Self.files)
        let synced = try await again.call("pipe.is_synced", params: #"{"pipe":"p"}"#, id: "3")
        #expect(synced.resultObject?["synced"] as? Bool == true, "\(synced)")
        #expect(try await scene.rerun("pipe.pull", again, id: "4") == [])
        second.closeStdin()
        #expect(try await second.waitForExit() == .exited(0))
    }

    @Test(
        "SIGKILL during an SFTP push: local files intact, whole files only; the re-run pushes the rest, leftovers swept"
    )
    func killDuringPush() async throws {
        let scene = try await Scene.make(.init(.pause, .upload, afterBytes: FaultsKillTests.pauseAfter, times: 1_000))
        defer { scene.proxy.stop() }
        try writeTree(Self.files, into: scene.folder)
        try await scene.killDuring("pipe.push")

        try expectTree(scene.folder, equals: Self.files)
        let before = scene.remoteFiles().files
        for name in before {
            let content = FileManager.default.contents(atPath: scene.remote + "/" + name)
            #expect(content == Self.files[name], "\(name) is on the remote at its name but incomplete")
        }
        #expect(before.count < Self.files.count, "the kill came after the push")

        let second = try BridgeProcess.rpc(in: scene.directory)
        defer { second.kill() }
        let again = second.peer(.lines)
        let pushed = try await scene.rerun("pipe.push", again, id: "2")
        #expect(Set(pushed).isSuperset(of: Set(Self.files.keys).subtracting(before)))
        #expect(scene.remoteFiles().files == Self.files.keys.sorted())
        for (name, content) in Self.files {
            #expect(FileManager.default.contents(atPath: scene.remote + "/" + name) == content, "\(name) differs")
        }
        #expect(try await scene.rerun("pipe.push", again, id: "3") == [])

        // What the killed upload left (a hidden temporary name) is never listed; once
        // an hour old it is swept by the next listing.
        let leftovers = scene.remoteFiles().leftovers
        #expect(!leftovers.isEmpty, "the upload held by the proxy left its temporary file")
        let old = Date().addingTimeInterval(-2 * 3600)
        for name in leftovers {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: scene.remote + "/" + name)
        }
        let listed = try await again.call("pipe.scan_remote", params: #"{"pipe":"p","cached":false}"#, id: "4")
        #expect((listed.result as? [String])?.sorted() == Self.files.keys.sorted(), "\(listed)")
        #expect(scene.remoteFiles().leftovers == [], "stale upload leftovers are swept: \(leftovers)")
        second.closeStdin()
        #expect(try await second.waitForExit() == .exited(0))
    }
}
