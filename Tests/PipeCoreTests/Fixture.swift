import Foundation
import PipeCore
import PipeJSON
import PipeRemotes

/// A profile with one `file` pipe: a local repo folder, a remote folder and a
/// database, all under a fresh temporary folder removed at the end.
final class PipeFixture {
    let root: String
    let remoteFolder: String
    let database: ProfileDatabase

    init() throws {
        root = NSTemporaryDirectory() + "datapipe-core-" + UUID().uuidString
        remoteFolder = root + "/remote"
        try FileManager.default.createDirectory(atPath: remoteFolder, withIntermediateDirectories: true)
        database = try ProfileDatabase(path: root + "/repo.sqlite")
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// An engine for `user`'s copy of the pipe (each user its own folder and
    /// state, one shared remote), optionally with other settings.
    func engine(user: String = "alice", extra: JSONObject = [:]) throws -> SyncEngine {
        var values: JSONObject = [
            "name": "demo", "protocol": "file", "options": ["remotepath": .string(remoteFolder)],
        ]
        for (key, value) in extra { values[key] = value }
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

    func writeRemote(_ name: String, _ text: String) throws {
        try write(remoteFolder + "/" + name, text)
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

    /// Sets a file's modification time (seconds since 1970).
    func touch(_ path: String, at seconds: Double) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: seconds)], ofItemAtPath: path)
    }
}
