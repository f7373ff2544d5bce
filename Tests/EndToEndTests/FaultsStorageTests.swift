import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The storage server itself killed mid-transfer (SIGKILL to moto), then
/// started again on the same port. moto keeps S3 data in memory only (no
/// persistence in server mode), so the restarted server is seeded again
/// with the same objects before the re-run.
@Suite("Faults: the S3 server killed and restarted", .timeLimit(.minutes(3)))
struct FaultsStorageTests {
    static let big = faultFiles(count: 1, size: 32 << 20, prefix: "big")
    static let small = faultFiles(count: 3, size: 2000, prefix: "small")

    @Test(
        "moto killed during a 32 MiB pull: a clear RemoteError, nothing truncated; after a restart the re-run completes"
    )
    func serverKilledDuringPull() async throws {
        var moto = try MotoProcess(port: 0)
        defer { moto.kill() }
        let port = moto.port
        let all = Self.small.merging(Self.big) { first, _ in first }
        let bucket = try await FaultBucket.make(motoPort: port)
        try await bucket.seed(all)
        // The proxy only paces the transfer: it holds the body after 4 MiB
        // so that the kill lands mid-transfer every time.
        let proxy = try FaultProxy(upstreamPort: port, fault: .init(.pause, .download, afterBytes: 4 << 20))
        defer { proxy.stop() }
        let directory = try ScratchDirectory()
        let folder = directory.path + "/datapipe/files/default/p"
        let bridge = try BridgeProcess.rpc(in: directory)
        defer { bridge.kill() }
        let rpc = bridge.peer(.lines)
        _ = try await rpc.call("pipes.upsert", params: bucket.upsertParams(port: proxy.port), id: "1")

        try rpc.send(#"{"jsonrpc":"2.0","id":"pull","method":"pipe.pull","params":{"pipe":"p","concurrency":1}}"#)
        try await waitUntil("the proxy to hold the download") { proxy.injected == 1 }
        moto.kill()
        proxy.arm(nil)
        proxy.release()
        let failed = try await rpc.reply(to: #""pull""#, timeout: .seconds(90)).reply
        #expect(failed.errorType == "RemoteError", "\(failed)")
        #expect((failed.errorData?["files"] as? [String])?.contains("big-000.bin") == true, "\(failed)")
        #expect(failed.errorMessage?.contains("big-000.bin") == true, "\(failed)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/big-000.bin"), "a truncated file at the target path")
        try expectOnlyCompleteFiles(in: folder, expected: all)
        #expect(regularFiles(below: folder).allSatisfy { !$0.hasSuffix(".partial") })

        moto = try MotoProcess(port: port)
        let restarted = try await FaultBucket.make(motoPort: port, name: bucket.name)
        try await restarted.seed(all)
        let result = try await rpc.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "2", timeout: .seconds(90))
        let pulled = try #require(result.resultObject?["files"] as? [String], "\(result)")
        #expect(pulled.contains("big-000.bin"))
        try expectTree(folder, equals: all)
        bridge.closeStdin()
        #expect(try await bridge.waitForExit(timeout: .seconds(60)) == .exited(0))
    }
}

/// A moto S3 server of this test's own, on a given port (0: a free one), so
/// it can be killed and started again on the same port.
struct MotoProcess {
    let process = Process()
    let port: Int
    private let keepAlive: FileHandle

    static let script = """
        import json, sys
        from moto.server import ThreadedMotoServer
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
        server.start()
        print(json.dumps({"port": server.get_host_and_port()[1]}), flush=True)
        sys.stdin.read()
        """

    init(port: Int) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, String(port)]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        keepAlive = input.fileHandleForWriting
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        guard let ready = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let bound = ready["port"] as? Int
        else {
            process.terminate()
            throw HarnessError("moto did not start on port \(port) (pip install 'moto[server]')")
        }
        self.port = bound
    }

    /// SIGKILL, and waits for the process to be gone.
    func kill() {
        guard process.isRunning else { return }
        _ = posixKill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? keepAlive.close()
    }
}
