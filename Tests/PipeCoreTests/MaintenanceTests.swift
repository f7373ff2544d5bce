import Foundation
import PipeCore
import PipeJSON
import Testing

@Suite("Orphans, deletion, import and reset")
struct MaintenanceTests {
    @Test("remove_orphans lists by default and deletes only when asked", arguments: Backend.allCases)
    func orphans(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("shared.csv", "1")
        try await fixture.writeRemote("remote-only.csv", "1")
        let bob = try fixture.engine(user: "bob")
        _ = try await bob.pull(SelectionRequest(files: ["shared.csv"]))
        try fixture.writeLocal("local-only.csv", "1", user: "bob")
        let dry = try await bob.removeOrphans(direction: .both)
        #expect(dry == RemovalResult(local: ["local-only.csv"], remote: ["remote-only.csv"]))
        #expect(fixture.localNames(user: "bob") == ["local-only.csv", "shared.csv"])
        let done = try await bob.removeOrphans(direction: .local, dryrun: false)
        #expect(done.local == ["local-only.csv"])
        #expect(fixture.localNames(user: "bob") == ["shared.csv"])
        #expect(try await fixture.remoteNames().contains("remote-only.csv"))
    }

    @Test(
        "remote orphans on a read-only pipe: refused before anything is deleted on either side (d6tpipe deleted local files first)",
        arguments: Backend.allCases)
    func orphansReadOnly(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("remote-only.csv", "1")
        try fixture.writeLocal("local-only.csv", "1", user: "bob")
        let reader = try fixture.engine(user: "bob", extra: ["role": "read"])
        await #expect(throws: SyncError.readOnly(pipe: "demo")) {
            try await reader.removeOrphans(direction: .both, dryrun: false)
        }
        #expect(fixture.localNames(user: "bob") == ["local-only.csv"])
    }

    @Test(
        "delete_files deletes exactly the named files (d6tpipe deleted every synced file) and needs confirm",
        arguments: Backend.allCases)
    func deleteNamed(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "1")
        try await fixture.writeRemote("b.csv", "1")
        let bob = try fixture.engine(user: "bob")
        _ = try await bob.pull(SelectionRequest())
        await #expect(throws: SyncError.self) {
            try await bob.deleteFiles(scope: .local, files: ["a.csv"], confirm: false)
        }
        #expect(fixture.localNames(user: "bob") == ["a.csv", "b.csv"])
        let deleted = try await bob.deleteFiles(scope: .local, files: ["a.csv"], confirm: true)
        #expect(deleted.local == ["a.csv"])
        #expect(fixture.localNames(user: "bob") == ["b.csv"])
        #expect(try await bob.pendingPull() == ["a.csv"], "a deleted local copy can be pulled again")
    }

    @Test("delete_files on the remote removes the files and the cached listing", arguments: Backend.allCases)
    func deleteRemote(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "1")
        let alice = try fixture.engine()
        _ = try await alice.scanRemote()
        _ = try await alice.deleteFiles(scope: .remote, confirm: true)
        #expect(try await fixture.remoteNames().isEmpty)
        #expect(try await alice.scanRemote().isEmpty, "the listing is not served from a stale cache")
    }

    @Test(
        "import_files and import_dir copy into the pipe, keeping relative paths and merging folders",
        arguments: Backend.allCases)
    func imports(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        let source = fixture.root + "/export"
        try FileManager.default.createDirectory(atPath: source + "/2026", withIntermediateDirectories: true)
        try "a".write(toFile: source + "/2026/a.csv", atomically: true, encoding: .utf8)
        try "top".write(toFile: source + "/top.csv", atomically: true, encoding: .utf8)
        let alice = try fixture.engine()
        #expect(try await alice.importDirectory(source) == ["2026/a.csv", "top.csv"])
        #expect(try await alice.importDirectory(source, subdir: "copy") == ["copy/2026/a.csv", "copy/top.csv"])
        #expect(try await alice.importFiles([source + "/top.csv"], subdir: "flat", move: true) == ["flat/top.csv"])
        #expect(!FileManager.default.fileExists(atPath: source + "/top.csv"))
        #expect(fixture.readLocal("2026/a.csv") == "a")
        await #expect(throws: SyncError.self) { try await alice.importFiles([source + "/nope.csv"]) }
        await #expect(throws: SyncError.self) { try await alice.importDirectory(source, subdir: "../escape") }
    }

    @Test("reset needs confirm, then replaces local copies with the remote's", arguments: Backend.allCases)
    func reset(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "remote")
        let bob = try fixture.engine(user: "bob")
        _ = try await bob.pull(SelectionRequest())
        try fixture.writeLocal("a.csv", "local edit", user: "bob")
        await #expect(throws: SyncError.self) { try await bob.reset(confirm: false) }
        #expect(fixture.readLocal("a.csv", user: "bob") == "local edit")
        #expect(try await bob.reset(confirm: true).files == ["a.csv"])
        #expect(fixture.readLocal("a.csv", user: "bob") == "remote")
    }
}
