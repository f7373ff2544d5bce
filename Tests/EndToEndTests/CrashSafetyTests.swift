import Foundation
import Testing

/// The bridge killed with SIGKILL in the middle of a pull: no file at a
/// target path is incomplete, and the next pull finishes exactly the rest.
@Suite("Crash safety", .timeLimit(.minutes(1)))
struct CrashSafetyTests {
    static let fileCount = 300
    static let fileSize = 512 * 1024

    @Test("SIGKILL during a pull leaves only complete files; the next pull completes the job and clears .partial files")
    func killDuringPull() async throws {
        let directory = try ScratchDirectory()
        let remote = directory.path + "/shared"
        try FileManager.default.createDirectory(atPath: remote + "/deep", withIntermediateDirectories: true)
        var expected: [String: Data] = [:]
        for index in 0..<Self.fileCount {
            let name = String(format: "deep/file-%03d.bin", index)
            let content = Data(repeating: UInt8(index % 251), count: Self.fileSize)
            try content.write(to: URL(fileURLWithPath: remote + "/" + name))
            expected[name] = content
        }
        let pipe = #"{"settings":{"name":"p","protocol":"file","options":{"remotepath":"\#(remote)"}}}"#

        let first = try BridgeProcess.rpc(in: directory)
        let rpc = first.peer(.lines)
        _ = try await rpc.call("pipes.upsert", params: pipe, id: "1")
        let folder = directory.path + "/datapipe/files/default/p"
        try rpc.send(#"{"jsonrpc":"2.0","id":"pull","method":"pipe.pull","params":{"pipe":"p","concurrency":1}}"#)
        // The bridge runs in slices of a few milliseconds (SIGCONT, SIGSTOP) until
        // a first file has landed, and is killed while stopped: the kill lands
        // mid-pull however fast or loaded the machine is. The slicing runs on a
        // thread of its own: the test's task may wait long for a busy pool.
        let landedAtKill = await withCheckedContinuation { (done: CheckedContinuation<[String], Never>) in
            Thread {
                var landed: [String] = []
                for _ in 0..<20_000 {
                    first.signal(SIGSTOP)
                    Self.waitUntilStopped(first.pid)
                    landed = (try? Self.regularFiles(below: folder).filter { !$0.hasSuffix(".partial") }) ?? []
                    if !landed.isEmpty { break }
                    first.signal(SIGCONT)
                    usleep(2_000)
                }
                done.resume(returning: landed)
            }.start()
        }
        first.signal(SIGKILL)
        first.signal(SIGCONT)
        _ = try await first.waitForExit()
        try #require(!landedAtKill.isEmpty, "no file landed in 20,000 slices")
        try #require(landedAtKill.count < Self.fileCount, "the pull finished within one slice")

        let landed = try Self.regularFiles(below: folder)
        for name in landed where !name.hasSuffix(".partial") {
            let content = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            #expect(content == expected[name], "\(name) is at its target path but incomplete or wrong")
        }
        #expect(landed.filter { !$0.hasSuffix(".partial") }.sorted() == landedAtKill.sorted())

        let second = try BridgeProcess.rpc(in: directory)
        let again = second.peer(.lines)
        let result = try await again.call("pipe.pull", params: #"{"pipe":"p"}"#, id: "2", timeout: .seconds(40))
        let pulled = try #require(result.resultObject?["files"] as? [String], "\(result)")
        #expect(pulled.sorted() == expected.keys.filter { !landedAtKill.contains($0) }.sorted(), "exactly the rest")
        let final = try Self.regularFiles(below: folder)
        #expect(final.sorted() == expected.keys.sorted(), "every file present, no .partial left")
        for name in final {
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) == expected[name])
        }
        second.closeStdin()
        #expect(try await second.waitForExit() == .exited(0))
    }

    /// SIGSTOP is delivered asynchronously: waits until every thread of
    /// `pid` is stopped (state T), so nothing moves while the test looks.
    static func waitUntilStopped(_ pid: pid_t) {
        for _ in 0..<5_000 {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let running = tasks.contains { task in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { return false }  // gone
                let state = stat[stat.index(close, offsetBy: 2)]
                return state != "T" && state != "t" && state != "Z" && state != "X"
            }
            if !running { return }
            usleep(200)
        }
    }

    static func regularFiles(below folder: String) throws -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { name in
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder)
            return !isFolder.boolValue
        }
    }
}
