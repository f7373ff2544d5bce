import Foundation
import PipeRemotes

// Shared by the test targets: the repository's helper scripts and the test
// servers they start (moto's S3, a keep-alive HTTP server).

/// The repository root, found from this file's path.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// Runs `python3 script arguments…` with `input` on stdin and returns its stdout.
public func runPython(_ script: String, _ arguments: [String] = [], input: Data = Data()) throws -> Data {
    let inputFile = NSTemporaryDirectory() + "datapipe-script-input-" + UUID().uuidString
    try input.write(to: URL(fileURLWithPath: inputFile))
    defer { try? FileManager.default.removeItem(atPath: inputFile) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", repositoryRoot + "/scripts/" + script] + arguments
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputFile))
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestSetupError(description: "\(script) exited with \(process.terminationStatus)")
    }
    return data
}

/// A helper server from scripts/ (python), started on a free loopback port;
/// it prints one JSON line when ready and exits when this process does (its
/// stdin closes), so none outlives the tests.
public final class ScriptServer: @unchecked Sendable {
    public let port: Int
    /// The ready line's fields.
    public let ready: [String: Any]
    /// Kept open for the life of the process: closing it stops the server.
    private let keepAlive: FileHandle
    private let process = Process()

    public init(script: String, arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/scripts/" + script] + arguments
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
            let port = ready["port"] as? Int
        else {
            throw TestSetupError(description: "\(script) did not start (for moto: pip install 'moto[server]')")
        }
        self.port = port
        self.ready = ready
        if let secret = ready["secret_key"] as? String { Self.recordSecret(secret) }
    }

    /// With DATAPIPE_TEST_LOG_DIR set, lists a secret in `<dir>/secrets.list`
    /// for scripts/check-test-logs, which fails when any log contains it.
    private static func recordSecret(_ secret: String) {
        guard let directory = ProcessInfo.processInfo.environment["DATAPIPE_TEST_LOG_DIR"], !directory.isEmpty else {
            return
        }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/secrets.list"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let file = FileHandle(forWritingAtPath: path) else { return }
        defer { try? file.close() }
        _ = try? file.seekToEnd()
        try? file.write(contentsOf: Data((secret + "\n").utf8))
    }

    public var endpoint: S3Endpoint { S3Endpoint(scheme: "http", host: "127.0.0.1", port: port) }

    /// Starts its server on first use, off the cooperative pool.
    public actor LaunchOnce {
        private let script: String
        private let arguments: [String]
        private var launch: Task<ScriptServer, any Error>?

        public init(_ script: String, _ arguments: [String] = []) {
            self.script = script
            self.arguments = arguments
        }

        public func server() async throws -> ScriptServer {
            if let launch { return try await launch.value }
            let (script, arguments) = (script, arguments)
            let task = Task { try await BlockingIO.run { _ in try ScriptServer(script: script, arguments: arguments) } }
            launch = task
            return try await task.value
        }
    }
}

/// The moto S3 servers (scripts/s3-moto-server.py) shared by this process's tests.
public enum MotoServer {
    /// Without signature checks: any credentials are accepted.
    public static let plain = ScriptServer.LaunchOnce("s3-moto-server.py")
    /// With IAM auth: signatures are checked against a user's real secret.
    public static let checkingSignatures = ScriptServer.LaunchOnce("s3-moto-server.py", ["--auth"])
}

extension ScriptServer {
    /// The IAM user's keys (with --auth), else any.
    public var credentials: S3Credentials {
        S3Credentials(
            accessKeyID: ready["access_key"] as? String ?? "testing",
            secretAccessKey: ready["secret_key"] as? String ?? "testing")
    }

    /// A remote on a new bucket (created through the remote itself).
    public func remote(
        prefix: String = "", credentials: S3Credentials? = nil, _ adjust: (inout S3Configuration) -> Void = { _ in }
    ) async throws -> S3Remote {
        let bucket = "dp-" + UUID().uuidString.lowercased().prefix(18)
        var configuration = try S3Configuration(
            bucket: String(bucket), prefix: prefix, endpoint: endpoint, credentials: credentials ?? self.credentials)
        adjust(&configuration)
        let remote = S3Remote(configuration)
        try await remote.createBucket()
        return remote
    }
}
