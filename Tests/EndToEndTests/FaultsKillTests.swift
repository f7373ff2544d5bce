import Foundation
import TestSupport
import Testing

/// `datapipe` killed with SIGKILL in the middle of an S3 pull and of an S3
/// push (moto). A FaultProxy holds every transfer of a big file halfway (moto
/// closes each connection after one response, so the proxy counts bytes per
/// file), while small files go through: the kill lands mid-body every time,
/// with some files done. CrashSafetyTests does the same for a directory
/// remote. Afterwards: whole files only, local files intact, and a re-run
/// finishes the job and leaves both sides equal.
@Suite("Faults: SIGKILL during S3 transfers", .timeLimit(.minutes(3)))
struct FaultsKillTests {
    static let files = faultFiles(count: 6, size: 1 << 20, prefix: "big").merging(
        faultFiles(count: 6, size: 100_000, prefix: "a-small")
    ) { first, _ in first }
    /// Past every small file and the listings, halfway through a big file.
    static let pauseAfter = 512 << 10
    /// `concurrency` of the killed transfer: both slots end up held.
    static let slots = 2

    @Test("SIGKILL during an S3 pull: only whole files at target paths; the re-run pulls the rest, no .partial left")
    func killDuringPull() async throws {
        let bucket = try await FaultBucket.make()
        try await bucket.seed(Self.files)
        let proxy = try FaultProxy(
            upstreamPort: bucket.motoPort, fault: .init(.pause, .download, afterBytes: Self.pauseAfter, times: 1_000))
        defer { proxy.stop() }
        let directory = try ScratchDirectory()
        let folder = directory.path + "/datapipe/files/default/p"

        let first = try BridgeProcess.rpc(in: directory)
        defer { first.kill() }
        let rpc = first.peer(.lines)
        _ = try await rpc.call("pipes.upsert", params: bucket.upsertParams(port: proxy.port), id: "1")
        try rpc.send(
            #"{"jsonrpc":"2.0","id":"pull","method":"pipe.pull","params":{"pipe":"p","concurrency":\#(Self.slots)}}"#)
        try await waitUntil("the proxy to pause the download") { proxy.injected == Self.slots }
        first.signal(SIGKILL)
        #expect(try await first.waitForExit() == .signalled(SIGKILL))
        proxy.arm(nil)
        proxy.release()

        try expectOnlyCompleteFiles(in: folder, expected: Self.files)
        let landed = Set(regularFiles(below: folder).filter { !$0.hasSuffix(".partial") })
        #expect(landed.count < Self.files.count, "the kill came after the pull")

        let second = try BridgeProcess.rpc(in: directory)
        defer { second.kill() }
        let again = second.peer(.lines)
        let result = try await again.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "2", timeout: .seconds(90))
        let pulled = try #require(result.resultObject?["files"] as? [String], "\(result)")
        #expect(Set(pulled).isSuperset(of: Set(Self.files.keys).subtracting(landed)))
        try expectTree(folder, equals: Self.files)
        let synced = try await again.call("pipe.is_synced", params: #"{"pipe":"p"}"#, id: "3")
        #expect(synced.resultObject?["synced"] as? Bool == true, "\(synced)")
        let nothing = try await again.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "4", timeout: .seconds(90))
        #expect(nothing.resultObject?["files"] as? [String] == [], "\(nothing)")
        second.closeStdin()
        #expect(try await second.waitForExit() == .exited(0))
    }

    @Test("SIGKILL during an S3 push: local files intact, only whole objects; the re-run pushes the rest")
    func killDuringPush() async throws {
        let bucket = try await FaultBucket.make()
        let proxy = try FaultProxy(
            upstreamPort: bucket.motoPort, fault: .init(.pause, .upload, afterBytes: Self.pauseAfter, times: 1_000))
        defer { proxy.stop() }
        let directory = try ScratchDirectory()
        let folder = directory.path + "/datapipe/files/default/p"
        try writeTree(Self.files, into: folder)

        let first = try BridgeProcess.rpc(in: directory)
        defer { first.kill() }
        let rpc = first.peer(.lines)
        _ = try await rpc.call("pipes.upsert", params: bucket.upsertParams(port: proxy.port), id: "1")
        try rpc.send(
            #"{"jsonrpc":"2.0","id":"push","method":"pipe.push","params":{"pipe":"p","concurrency":\#(Self.slots)}}"#)
        try await waitUntil("the proxy to pause the upload") { proxy.injected == Self.slots }
        first.signal(SIGKILL)
        #expect(try await first.waitForExit() == .signalled(SIGKILL))
        proxy.arm(nil)
        proxy.release()

        try expectTree(folder, equals: Self.files)
        let expected = Self.files.mapValues(md5Hex)
        let before = try await bucket.contents()
        for (name, md5) in before {
            #expect(md5 == expected[name], "\(name) is on the remote but incomplete or unexpected")
        }
        #expect(before.count < Self.files.count, "the kill came after the push")

        let second = try BridgeProcess.rpc(in: directory)
        defer { second.kill() }
        let again = second.peer(.lines)
        let result = try await again.call("pipe.push", params: #"{"pipe":"p"}"#, id: "2", timeout: .seconds(90))
        let pushed = try #require(result.resultObject?["files"] as? [String], "\(result)")
        #expect(Set(pushed).isSuperset(of: Set(Self.files.keys).subtracting(before.keys)))
        #expect(try await bucket.contents() == expected)
        try expectTree(folder, equals: Self.files)
        let nothing = try await again.call("pipe.push", params: #"{"pipe":"p"}"#, id: "3", timeout: .seconds(90))
        #expect(nothing.resultObject?["files"] as? [String] == [], "\(nothing)")
        second.closeStdin()
        #expect(try await second.waitForExit() == .exited(0))
    }
}
