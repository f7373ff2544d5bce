import Foundation
import Testing

/// The d6tpipe-style commands: each runs one bridge method in-process and
/// prints JSON; errors go to stderr with exit status 1.
@Suite("d6tpipe-style commands", .timeLimit(.minutes(1)))
struct CLITests {
    /// Runs `datapipe args…` with HOME in `directory`; returns stdout, stderr and the exit status.
    static func run(_ arguments: [String], in directory: ScratchDirectory) async throws -> (
        out: String, err: String, status: ExitStatus
    ) {
        let process = try BridgeProcess(
            arguments: arguments + ["--config", directory.file("cfg.json")], home: directory.path,
            input: .file("/dev/null"))
        let stdout = try #require(process.stdout)
        let out = String(decoding: try await stdout.waitForEnd(), as: UTF8.self)
        let status = try await process.waitForExit()
        let err = String(decoding: try await process.stderr.waitForEnd(), as: UTF8.self)
        return (out, err, status)
    }

    @Test("create, pull --preview, pull, scan local, list local, token set/get")
    func session() async throws {
        let directory = try ScratchDirectory()
        let shared = directory.file("shared")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        try "a,b\n".write(toFile: shared + "/x.csv", atomically: true, encoding: .utf8)

        let created = try await Self.run(["create", "--pipe", "demo", "--remotepath", shared], in: directory)
        #expect(created.status == .exited(0), "\(created.err)")
        #expect(created.out.contains(#""created":true"#))
        let preview = try await Self.run(["pull", "--pipe", "demo", "--preview"], in: directory)
        #expect(preview.out == #"{"files":["x.csv"],"bytes":4}"# + "\n")
        let pulled = try await Self.run(["pull", "--pipe", "demo"], in: directory)
        #expect(pulled.out.hasPrefix(#"{"files":["x.csv"],"bytes":4"#))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/datapipe/files/default/demo/x.csv"))
        let scanned = try await Self.run(["scan", "local", "--pipe", "demo"], in: directory)
        #expect(
            scanned.out.contains(#""filename":"x.csv""#)
                && scanned.out.contains(#""crc":"f69f5b72bc79a92dc70c63c9aa142e36""#))
        #expect(try await Self.run(["list", "local"], in: directory).out == #"["demo"]"# + "\n")
        #expect(try await Self.run(["token", "set", "--token", "t0k"], in: directory).status == .exited(0))
        #expect(try await Self.run(["token", "get"], in: directory).out == #"{"token":"t0k"}"# + "\n")
    }

    @Test("errors: message and data on stderr, nothing on stdout, exit 1")
    func errors() async throws {
        let directory = try ScratchDirectory()
        let missing = try await Self.run(["push", "--pipe", "nope"], in: directory)
        #expect(missing.status == .exited(1))
        #expect(missing.out.isEmpty)
        #expect(missing.err.contains("no pipe named nope"))
        #expect(missing.err.contains(#""type":"NotFound""#))
    }
}
