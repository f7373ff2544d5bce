import Foundation
import PipeCore
import PipeJSON
import Testing

@Suite("Config file and profiles")
struct ConfigStoreTests {
    let folder = NSTemporaryDirectory() + "datapipe-config-" + UUID().uuidString

    @Test("init creates a profile once, reset replaces it; the file is 0600")
    func initialize() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = ConfigStore(path: folder + "/cfg.json")
        let (first, created) = try store.initialize("default", filerepo: "/data/a", server: nil, reset: false)
        #expect(created)
        #expect(first.filerepo == "/data/a")
        let (second, createdAgain) = try store.initialize("default", filerepo: "/data/b", server: nil, reset: false)
        #expect(!createdAgain)
        #expect(second.filerepo == "/data/a")
        #expect(
            try store.initialize("default", filerepo: "/data/b", server: nil, reset: true).profile.filerepo == "/data/b"
        )
        let mode = try FileManager.default.attributesOfItem(atPath: folder + "/cfg.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("a d6tpipe cfg.json is read as is, with ~ expanded and unknown keys kept")
    func d6tpipeLayout() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let text = """
            {"default": {"server": "https://pipe.databolt.tech", "filerepo": "~/d6tpipe/files/default",
             "filereporoot": "~/d6tpipe", "filedb": "~/d6tpipe/files/default/.filedb.json",
             "key": "249ddbc5", "token": "tok123"}}
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/cfg.json"))
        let store = ConfigStore(path: folder + "/cfg.json")
        let profile = try store.profile("default")
        #expect(profile.filerepo == Paths.home + "/d6tpipe/files/default")
        #expect(profile.token == "tok123")
        #expect(profile.values["filereporoot"] == "~/d6tpipe")
        #expect(profile.shown(reveal: false)["token"] == "***")
        #expect(profile.shown(reveal: false)["key"] == "***")
        #expect(profile.shown(reveal: true)["token"] == "tok123")
        #expect(try store.profileNames() == ["default"])
    }

    @Test("update merges, null removes, bad values name the field and change nothing")
    func update() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = ConfigStore(path: folder + "/cfg.json")
        _ = try store.update("work", changes: ["token": "t", "mode": "local"])
        let updated = try store.update("work", changes: ["token": nil, "username": "ann"])
        #expect(updated.values == ["mode": "local", "username": "ann"])
        #expect {
            try store.update("work", changes: ["mode": "cloud"])
        } throws: { error in
            (error as? SettingsError)?.field == "mode"
        }
        #expect(try store.profile("work").values == ["mode": "local", "username": "ann"])
    }

    @Test("a config file that is not JSON is an error naming the file")
    func broken() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("{oops".utf8).write(to: URL(fileURLWithPath: folder + "/cfg.json"))
        #expect {
            try ConfigStore(path: folder + "/cfg.json").profile("default")
        } throws: { error in
            "\(error)".contains(folder + "/cfg.json")
        }
    }
}
