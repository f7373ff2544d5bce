import Foundation
import PipeCore
import PipeJSON
import PipeRemotes
import TestSupport
import Testing

/// The remote stores the semantics suite runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file
    /// A bucket of a real moto S3 server on loopback.
    case s3
    /// A folder on a real vsftpd on loopback (LIST + MDTM, no MLSD).
    case ftp

    var testDescription: String { rawValue }
}

/// A profile with one pipe on `backend`: a local repo folder per user, one
/// shared remote, a database per user, all under a fresh temporary folder
/// removed at the end.
final class PipeFixture {
    let backend: Backend
    let root: String
    /// The `file` remote's folder (unused for S3).
    let remoteFolder: String
    let database: ProfileDatabase
    /// The pipe's remote settings: protocol, options, credentials.
    let remoteSettings: JSONObject
    /// The remote, for setting up and inspecting it beside the engine.
    let remote: RemoteStore
    /// ftp: the remote folder on the server's disk. ftp's crc is mtime-size
    /// (as d6tpipe's), blind to a same-size rewrite within one second, so
    /// `writeRemote` gives each write its own second, as edits by people have.
    private var ftpDisk: String?
    private var ftpClock = Date().timeIntervalSince1970.rounded(.down)

    init(_ backend: Backend = .file) async throws {
        self.backend = backend
        root = NSTemporaryDirectory() + "datapipe-core-" + UUID().uuidString
        remoteFolder = root + "/remote"
        try FileManager.default.createDirectory(atPath: remoteFolder, withIntermediateDirectories: true)
        database = try ProfileDatabase(path: root + "/repo.sqlite")
        switch backend {
        case .file:
            remoteSettings = ["protocol": "file", "options": ["remotepath": .string(remoteFolder)]]
            remote = FileRemote(root: remoteFolder)
        case .s3:
            let server = try await MotoServer.plain.server()
            let s3 = try await server.remote(prefix: "demo/")
            remoteSettings = [
                "protocol": "s3",
                "options": [
                    "remotepath": .string("s3://\(s3.configuration.bucket)/demo/"),
                    "endpoint_url": .string("http://127.0.0.1:\(server.port)"),
                ],
                "credentials": ["aws_access_key_id": "testing", "aws_secret_access_key": "testing"],
            ]
            remote = s3
        case .ftp:
            let server = try await FTPServer.plain.server()
            let folder = "/pipe-" + UUID().uuidString.prefix(8).lowercased()
            remoteSettings = [
                "protocol": "ftp", "location": .string("127.0.0.1:\(server.port)"),
                "options": ["remotepath": .string(folder)],
                "credentials": ["username": .string(FTPServer.username), "password": .string(FTPServer.password)],
            ]
            remote = FTPRemote(try server.configuration(root: folder))
            ftpDisk = server.folder + folder
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// An engine for `user`'s copy of the pipe (each user its own folder and
    /// state, one shared remote), optionally with other settings.
    func engine(user: String = "alice", extra: JSONObject = [:]) throws -> SyncEngine {
        var values: JSONObject = ["name": "demo"]
        for (key, value) in remoteSettings { values[key] = value }
        for (key, value) in extra {
            if key == "options", case .object(let more) = value, case .object(var options)? = values["options"] {
                for (option, setting) in more { options[option] = setting }
                values["options"] = .object(options)
            } else {
                values[key] = value
            }
        }
        let settings = try PipeSettings(values)
        let database = user == "alice" ? self.database : try ProfileDatabase(path: root + "/\(user).sqlite")
        let hashes = HashCache(database: database)
        let workspace = PipeWorkspace(
            settings: settings, folder: root + "/\(user)/demo",
            openRemote: { write in try RemoteFactory.open(settings, write: write, hashes: hashes) },
            state: StateStore(database: database), hashes: hashes)
        return SyncEngine(workspace: workspace, concurrency: 4)
    }

    func writeLocal(_ name: String, _ text: String, user: String = "alice") throws {
        try write(root + "/\(user)/demo/" + name, text)
    }

    /// Puts a file on the remote behind the engine's back (another user's push).
    func writeRemote(_ name: String, _ text: String) async throws {
        switch backend {
        case .file:
            try write(remoteFolder + "/" + name, text)
        case .s3, .ftp:
            let staging = root + "/staging-" + UUID().uuidString
            try write(staging, text)
            try await remote.upload(staging, as: name, progress: nil)
            if let ftpDisk {
                ftpClock += 1
                try touch(ftpDisk + "/" + name, at: ftpClock)
            }
        }
    }

    func remoteNames() async throws -> [String] {
        try await remote.list().map(\.filename).sorted()
    }

    func readLocal(_ name: String, user: String = "alice") -> String? {
        FileManager.default.contents(atPath: root + "/\(user)/demo/" + name).map { String(decoding: $0, as: UTF8.self) }
    }

    func localNames(user: String = "alice") -> [String] {
        let folder = root + "/\(user)/demo"
        return (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &isFolder)
            return !isFolder.boolValue
        }.sorted()
    }

    private func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Sets a file's modification time (seconds since 1970); `file` remotes only.
    func touch(_ path: String, at seconds: Double) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: seconds)], ofItemAtPath: path)
    }
}
