import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The local side failing: the pipe folder's disk full (a 2 MiB tmpfs), the
/// pipe folder read-only, and a file the bridge may not read. These need
/// root (CI runs as root): mounting, and dropping the capabilities that let
/// root read any file.
@Suite("Faults: local disk full, read-only, permission denied", .timeLimit(.minutes(3)))
struct FaultsLocalDiskTests {
    @Test("a pull into a full disk: a clear error naming the disk, only whole files, the failed ones not synced")
    func diskFull() async throws {
        let files = faultFiles(count: 4, size: 768 << 10)
        let bucket = try await FaultBucket.make()
        try await bucket.seed(files)
        let directory = try ScratchDirectory()
        let folder = directory.path + "/datapipe/files/default/p"
        let mount = try TmpfsMount(at: folder, size: "2m")
        defer {
            mount.unmount()
            withExtendedLifetime(directory) {}
        }
        let bridge = try BridgeProcess.rpc(in: directory)
        defer { bridge.kill() }
        let rpc = bridge.peer(.lines)
        _ = try await rpc.call("pipes.upsert", params: bucket.upsertParams(), id: "1")

        let failed = try await rpc.call(
            "pipe.pull", params: #"{"pipe":"p","concurrency":1}"#, id: "2", timeout: .seconds(90))
        let message = try #require(failed.errorMessage, "\(failed)")
        #expect(message.contains("No space left on device"), "\(message)")
        #expect(message.contains(folder), "the error names the full disk's folder: \(message)")
        try expectOnlyCompleteFiles(in: folder, expected: files)
        let landed = regularFiles(below: folder)
        #expect(landed.allSatisfy { !$0.hasSuffix(".partial") }, "\(landed)")
        let missing = Set(files.keys).subtracting(landed)
        #expect(!missing.isEmpty && missing.count < files.count, "landed: \(landed)")
        #expect(Set(failed.errorData?["files"] as? [String] ?? []) == missing, "\(failed)")

        let synced = try await rpc.call("pipe.is_synced", params: #"{"pipe":"p"}"#, id: "3")
        #expect(synced.resultObject?["synced"] as? Bool == false, "\(synced)")
        let pending = try await rpc.call("pipe.pull_preview", params: #"{"pipe":"p"}"#, id: "4")
        #expect(Set(pending.resultObject?["files"] as? [String] ?? []) == missing, "\(pending)")

        let grown = try runTool("/bin/mount", ["-o", "remount,size=16m", folder])
        try #require(grown.status == 0, "\(grown.output)")
        let rest = try await rpc.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "5", timeout: .seconds(90))
        #expect(Set(rest.resultObject?["files"] as? [String] ?? []) == missing, "exactly the missing work: \(rest)")
        try expectTree(folder, equals: files)
        bridge.closeStdin()
        #expect(try await bridge.waitForExit(timeout: .seconds(60)) == .exited(0))
    }

    @Test("a pull into a read-only pipe folder: a clear error naming the folder, nothing lost; fine once writable")
    func readOnlyFolder() async throws {
        let files = faultFiles(count: 2, size: 1000)
        let bucket = try await FaultBucket.make()
        try await bucket.seed(files)
        let directory = try ScratchDirectory()
        let folder = directory.path + "/datapipe/files/default/p"
        let mount = try TmpfsMount(at: folder, size: "4m")
        defer {
            mount.unmount()
            withExtendedLifetime(directory) {}
        }
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder + "/local.txt"))
        let readOnly = try runTool("/bin/mount", ["-o", "remount,ro", folder])
        try #require(readOnly.status == 0, "\(readOnly.output)")
        let bridge = try BridgeProcess.rpc(in: directory)
        defer { bridge.kill() }
        let rpc = bridge.peer(.lines)
        _ = try await rpc.call("pipes.upsert", params: bucket.upsertParams(), id: "1")

        let failed = try await rpc.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "2", timeout: .seconds(90))
        let message = try #require(failed.errorMessage, "\(failed)")
        #expect(message.contains("Read-only file system"), "\(message)")
        #expect(message.contains(folder), "\(message)")
        #expect(regularFiles(below: folder) == ["local.txt"])
        #expect(FileManager.default.contents(atPath: folder + "/local.txt") == Data("mine".utf8))

        let writable = try runTool("/bin/mount", ["-o", "remount,rw", folder])
        try #require(writable.status == 0, "\(writable.output)")
        let result = try await rpc.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "3", timeout: .seconds(90))
        #expect(Set(result.resultObject?["files"] as? [String] ?? []) == Set(files.keys), "\(result)")
        try expectTree(folder, equals: files.merging(["local.txt": Data("mine".utf8)]) { first, _ in first })
        bridge.closeStdin()
        #expect(try await bridge.waitForExit(timeout: .seconds(60)) == .exited(0))
    }

    /// Root reads any file whatever its mode (CAP_DAC_OVERRIDE,
    /// CAP_DAC_READ_SEARCH), so the bridge runs under `setpriv` without those
    /// two capabilities: then mode 000 means EACCES, as for any user.
    @Test("push with a file the bridge may not read: a clear error naming it, local files intact, fine once readable")
    func permissionDenied() async throws {
        let bucket = try await FaultBucket.make()
        let directory = try ScratchDirectory()
        let folder = directory.path + "/datapipe/files/default/p"
        let files = ["open.csv": Data("1,2\n".utf8), "secret.csv": Data("3,4\n".utf8)]
        try writeTree(files, into: folder)
        let setup = try BridgeProcess.rpc(in: directory)
        defer { setup.kill() }
        _ = try await setup.peer(.lines).call("pipes.upsert", params: bucket.upsertParams(), id: "1")
        setup.closeStdin()
        #expect(try await setup.waitForExit() == .exited(0))
        #expect(chmod(folder + "/secret.csv", 0) == 0)

        let replies = try Self.runWithoutDACOverride(
            requests: [#"{"jsonrpc":"2.0","id":"push","method":"pipe.push","params":{"pipe":"p"}}"#],
            directory: directory)
        let failed = try #require(replies.first { $0["id"] as? String == "push" }, "\(replies)")
        let error = try #require(failed["error"] as? [String: Any], "\(failed)")
        let message = error["message"] as? String ?? ""
        #expect(message.contains("secret.csv"), "\(message)")
        #expect(message.contains("Permission denied"), "\(message)")
        #expect(try await bucket.contents()["secret.csv"] == nil)
        #expect(chmod(folder + "/secret.csv", 0o644) == 0)
        try expectTree(folder, equals: files)

        let bridge = try BridgeProcess.rpc(in: directory)
        defer { bridge.kill() }
        let rpc = bridge.peer(.lines)
        let pushed = try await rpc.call("pipe.push", params: #"{"pipe":"p"}"#, id: "2", timeout: .seconds(90))
        #expect((pushed.resultObject?["files"] as? [String])?.contains("secret.csv") == true, "\(pushed)")
        #expect(try await bucket.contents() == files.mapValues(md5Hex))
        bridge.closeStdin()
        #expect(try await bridge.waitForExit() == .exited(0))
    }

    /// Runs `datapipe rpc` under setpriv without the DAC capabilities, with
    /// `requests` as its stdin; returns the JSON replies it wrote.
    static func runWithoutDACOverride(requests: [String], directory: ScratchDirectory) throws -> [[String: Any]] {
        let input = directory.file("requests.jsonl")
        try Data(requests.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: input))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = [
            "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--",
            BridgeExecutable.path, "rpc", "--config", directory.file("cfg.json"),
        ]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DATAPIPE_") }
        environment["HOME"] = directory.path
        process.environment = environment
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let replies = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        guard process.terminationStatus == 0 else {
            throw HarnessError("setpriv datapipe rpc exited with \(process.terminationStatus); replies: \(replies)")
        }
        return replies
    }
}
