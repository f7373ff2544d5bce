import Foundation
import Testing

@testable import PipeRemotes

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// Runs `python3 script arguments…` with `input` on stdin and returns its stdout.
func runPython(_ script: String, _ arguments: [String] = [], input: Data = Data()) throws -> Data {
    let folder = try ScratchFolder()
    let inputFile = folder.path + "/input"
    try input.write(to: URL(fileURLWithPath: inputFile))
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

/// A fresh folder under the system temp dir, removed when dropped.
final class ScratchFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "datapipe-s3-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `size` deterministic bytes (or `text`) to `name`; returns the full path.
    @discardableResult
    func write(_ name: String, size: Int, seed: UInt8 = 7) throws -> String {
        var bytes = [UInt8](repeating: 0, count: size)
        var value = UInt32(seed) &* 2_654_435_761
        for index in bytes.indices {
            value = value &* 1_103_515_245 &+ 12_345
            bytes[index] = UInt8(truncatingIfNeeded: value >> 16)
        }
        return try write(name, Data(bytes))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let full = path + "/" + name
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }

    func md5(_ name: String) throws -> String {
        try FileCopy.md5(of: path + "/" + name, cancellation: CancellationFlag())
    }
}

/// A helper server from scripts/ (python), started on a free loopback port;
/// it prints one JSON line when ready and exits when this process does (its
/// stdin closes), so none outlives the tests.
final class ScriptServer: @unchecked Sendable {
    let port: Int
    /// The ready line's fields.
    let ready: [String: Any]
    /// Kept open for the life of the process: closing it stops the server.
    private let keepAlive: FileHandle
    private let process = Process()

    init(script: String, arguments: [String] = []) throws {
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
    }

    var endpoint: S3Endpoint { S3Endpoint(scheme: "http", host: "127.0.0.1", port: port) }

    /// Starts its server on first use, off the cooperative pool.
    actor LaunchOnce {
        private let script: String
        private let arguments: [String]
        private var launch: Task<ScriptServer, any Error>?

        init(_ script: String, _ arguments: [String] = []) {
            self.script = script
            self.arguments = arguments
        }

        func server() async throws -> ScriptServer {
            if let launch { return try await launch.value }
            let (script, arguments) = (script, arguments)
            let task = Task { try await BlockingIO.run { _ in try ScriptServer(script: script, arguments: arguments) } }
            launch = task
            return try await task.value
        }
    }
}

/// The moto S3 servers (scripts/s3-moto-server.py) shared by this process's tests.
enum MotoServer {
    /// Without signature checks: any credentials are accepted.
    static let plain = ScriptServer.LaunchOnce("s3-moto-server.py")
    /// With IAM auth: signatures are checked against a user's real secret.
    static let checkingSignatures = ScriptServer.LaunchOnce("s3-moto-server.py", ["--auth"])
}

extension ScriptServer {
    /// The IAM user's keys (with --auth), else any.
    var credentials: S3Credentials {
        S3Credentials(
            accessKeyID: ready["access_key"] as? String ?? "testing",
            secretAccessKey: ready["secret_key"] as? String ?? "testing")
    }

    /// A remote on a new bucket (created through the remote itself).
    func remote(
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
