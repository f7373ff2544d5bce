import Foundation
import PipeCore
import Testing

/// Where secrets rest on disk (SECURITY.md): the profile database holds pipe
/// settings with credentials (local mode), so its folder is the owner's only.
@Suite("Secrets at rest")
struct SecretsAtRestTests {
    @Test("the profile database's folder is created 0700")
    func profileDatabaseFolder() throws {
        let root = NSTemporaryDirectory() + "datapipe-rest-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = ProfileDatabase.path(configFile: root + "/cfg.json", profile: "default")
        #expect(path == root + "/repo/default.sqlite")
        _ = try ProfileDatabase(path: path)
        let folder = try FileManager.default.attributesOfItem(atPath: root + "/repo")[.posixPermissions] as? Int
        #expect(folder == 0o700, "mode \(String(folder ?? 0, radix: 8))")
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
