import Foundation
import TestSupport
import Testing

/// A FaultProxy between `datapipe` and moto hurts S3 transfers mid-body:
/// resets, truncated responses and stalls. A single fault is retried away;
/// a lasting one ends in a clear RemoteError, and never leaves a truncated
/// file at a target path.
@Suite("Faults: S3 through a faulty proxy", .timeLimit(.minutes(4)))
struct FaultsProxyTests {
    static let big = faultFiles(count: 1, size: 8 << 20, prefix: "big")
    static let faultAt = 2 << 20

    /// A bridge with pipe `p` on a new bucket, reached through a proxy with `fault`.
    struct Setup {
        let bucket: FaultBucket
        let proxy: FaultProxy
        let directory: ScratchDirectory
        let bridge: BridgeProcess
        let rpc: RPCPeer
        var folder: String { directory.path + "/datapipe/files/default/p" }

        init(seed: [String: Data], fault: FaultProxy.Fault?) async throws {
            bucket = try await FaultBucket.make()
            try await bucket.seed(seed)
            proxy = try FaultProxy(upstreamPort: bucket.motoPort, fault: fault)
            directory = try ScratchDirectory()
            bridge = try BridgeProcess.rpc(in: directory)
            rpc = bridge.peer(.lines)
            _ = try await rpc.call("pipes.upsert", params: bucket.upsertParams(port: proxy.port), id: #""setup""#)
        }

        func finish() async throws {
            proxy.stop()
            bridge.closeStdin()
            #expect(try await bridge.waitForExit(timeout: .seconds(60)) == .exited(0))
        }
    }

    @Test(
        "one fault mid-download is retried away: the pulled file is whole",
        arguments: [FaultProxy.Action.reset, .truncate])
    func downloadFaultRetried(_ action: FaultProxy.Action) async throws {
        let setup = try await Setup(seed: Self.big, fault: .init(action, .download, afterBytes: Self.faultAt))
        defer { setup.bridge.kill() }
        let result = try await setup.rpc.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "1", timeout: .seconds(90))
        #expect(result.resultObject?["files"] as? [String] == ["big-000.bin"], "\(result)")
        #expect(setup.proxy.injected == 1)
        try expectTree(setup.folder, equals: Self.big)
        try await setup.finish()
    }

    @Test("a stalled download times out and is retried (no hang): the pulled file is whole")
    func stalledDownload() async throws {
        let setup = try await Setup(seed: Self.big, fault: .init(.stall, .download, afterBytes: Self.faultAt))
        defer { setup.bridge.kill() }
        // HTTPTimeouts.stallSeconds (30 s under 1 byte/s) ends the stalled try.
        let result = try await setup.rpc.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "1", timeout: .seconds(150))
        #expect(result.resultObject?["files"] as? [String] == ["big-000.bin"], "\(result)")
        #expect(setup.proxy.injected == 1)
        try expectTree(setup.folder, equals: Self.big)
        try await setup.finish()
    }

    @Test("resets on every try: a clear RemoteError naming the file, nothing at the target path, a re-run completes")
    func lastingResets() async throws {
        let small = faultFiles(count: 2, size: 1000, prefix: "small")
        let all = small.merging(Self.big) { first, _ in first }
        let setup = try await Setup(
            seed: all, fault: .init(.reset, .download, afterBytes: Self.faultAt, times: 1_000))
        defer { setup.bridge.kill() }
        let failed = try await setup.rpc.call(
            "pipe.pull", params: #"{"pipe":"p","concurrency":1}"#, id: "1", timeout: .seconds(90))
        #expect(failed.errorType == "RemoteError", "\(failed)")
        #expect(failed.errorData?["files"] as? [String] == ["big-000.bin"], "\(failed)")
        #expect(failed.errorData?["protocol"] as? String == "s3")
        #expect(failed.errorMessage?.contains("big-000.bin") == true, "\(failed)")
        #expect(setup.proxy.injected >= 3, "every try was hurt")
        try expectTree(setup.folder, equals: small)

        let pending = try await setup.rpc.call("pipe.pull_preview", params: #"{"pipe":"p"}"#, id: "2")
        #expect(pending.resultObject?["files"] as? [String] == ["big-000.bin"], "\(pending)")
        setup.proxy.arm(nil)
        let rest = try await setup.rpc.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "3", timeout: .seconds(90))
        #expect(rest.resultObject?["files"] as? [String] == ["big-000.bin"], "exactly the missing work: \(rest)")
        try expectTree(setup.folder, equals: all)
        try await setup.finish()
    }

    @Test("one reset mid-upload is retried away: the object is whole")
    func uploadResetRetried() async throws {
        let setup = try await Setup(seed: [:], fault: .init(.reset, .upload, afterBytes: Self.faultAt))
        defer { setup.bridge.kill() }
        try writeTree(Self.big, into: setup.folder)
        let result = try await setup.rpc.call("pipe.push", params: #"{"pipe":"p"}"#, id: "1", timeout: .seconds(90))
        #expect(result.resultObject?["files"] as? [String] == ["big-000.bin"], "\(result)")
        #expect(setup.proxy.injected == 1)
        #expect(try await setup.bucket.contents() == Self.big.mapValues(md5Hex))
        try await setup.finish()
    }
}
