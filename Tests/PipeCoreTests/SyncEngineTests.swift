import Foundation
import PipeCore
import PipeJSON
import PipeRemotes
import Testing

@Suite("Sync semantics over a directory remote")
struct SyncEngineTests {
    @Test("push then pull into a second user's folder brings every file, with subfolders", arguments: Backend.allCases)
    func pushThenPull(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try fixture.writeLocal("a.csv", "1,2")
        try fixture.writeLocal("sub/deeper/b.txt", "b")
        let alice = try fixture.engine()
        #expect(try await alice.pushPlan(SelectionRequest()).names == ["a.csv", "sub/deeper/b.txt"])
        let pushed = try await alice.push(SelectionRequest())
        #expect(pushed.files == ["a.csv", "sub/deeper/b.txt"])
        #expect(pushed.bytes == 4)
        let bob = try fixture.engine(user: "bob")
        let pulled = try await bob.pull(SelectionRequest())
        #expect(pulled.files == ["a.csv", "sub/deeper/b.txt"])
        #expect(fixture.readLocal("sub/deeper/b.txt", user: "bob") == "b")
        #expect(fixture.localNames(user: "bob") == ["a.csv", "sub/deeper/b.txt"], "no .partial or state files left")
        #expect(try await bob.pendingPull().isEmpty)
        #expect(try await alice.pushPlan(SelectionRequest()).names.isEmpty)
    }

    @Test(
        "a pull never overwrites a local change without merge_mode (d6tpipe's check never fired)",
        arguments: Backend.allCases)
    func conflict(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "v1")
        let bob = try fixture.engine(user: "bob")
        _ = try await bob.pull(SelectionRequest())
        try fixture.writeLocal("a.csv", "bob's edit", user: "bob")
        try await fixture.writeRemote("a.csv", "v2")
        await #expect(throws: SyncError.conflict(["a.csv"])) {
            try await bob.pull(SelectionRequest(), cached: false)
        }
        #expect(fixture.readLocal("a.csv", user: "bob") == "bob's edit")

        let kept = try await bob.pull(SelectionRequest(), mergeMode: .keep, cached: false)
        #expect(kept.files.isEmpty)
        #expect(kept.kept == ["a.csv"])
        #expect(fixture.readLocal("a.csv", user: "bob") == "bob's edit")
        #expect(try await bob.pendingPull().isEmpty, "keep counts the remote change as seen")
        #expect(
            try await bob.pushPlan(SelectionRequest()).names == ["a.csv"], "and the next push sends the local version")

        try await fixture.writeRemote("a.csv", "v3")
        let overwritten = try await bob.pull(SelectionRequest(), mergeMode: .overwrite, cached: false)
        #expect(overwritten.files == ["a.csv"])
        #expect(fixture.readLocal("a.csv", user: "bob") == "v3")
    }

    @Test("an untracked local file that differs from the remote counts as a conflict", arguments: Backend.allCases)
    func untrackedConflict(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "remote")
        try fixture.writeLocal("a.csv", "mine, never synced", user: "bob")
        let bob = try fixture.engine(user: "bob")
        await #expect(throws: SyncError.conflict(["a.csv"])) { try await bob.pull(SelectionRequest()) }
        try fixture.writeLocal("a.csv", "remote", user: "bob")
        #expect(try await bob.pull(SelectionRequest()).files == [], "same content: no conflict, nothing to move")
        #expect(try await bob.pendingPull().isEmpty, "and it counts as synced")
    }

    @Test(
        "a re-run after a pull that died before recording moves exactly the missing files",
        arguments: Backend.allCases)
    func identicalCopiesCountAsSynced(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("landed.csv", "already here")
        try await fixture.writeRemote("missing.csv", "still to come")
        try fixture.writeLocal("landed.csv", "already here", user: "bob")  // as a killed pull left it
        let bob = try fixture.engine(user: "bob")
        #expect(try await bob.pull(SelectionRequest()).files == ["missing.csv"])
        #expect(fixture.readLocal("missing.csv", user: "bob") == "still to come")
        #expect(try await bob.pendingPull().isEmpty)
        #expect(try await bob.pushPlan(SelectionRequest()).names.isEmpty, "nothing to push back either")
    }

    @Test("modes: new, mod (d6tpipe raised on it), default and all", arguments: Backend.allCases)
    func modes(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("old.csv", "1")
        try await fixture.writeRemote("changed.csv", "1")
        let bob = try fixture.engine(user: "bob")
        _ = try await bob.pull(SelectionRequest())
        try await fixture.writeRemote("changed.csv", "2")
        try await fixture.writeRemote("new.csv", "1")
        #expect(try await bob.pullPlan(SelectionRequest(mode: .new), cached: false).names == ["new.csv"])
        #expect(try await bob.pullPlan(SelectionRequest(mode: .mod)).names == ["changed.csv"])
        #expect(try await bob.pullPlan(SelectionRequest(mode: .default)).names == ["changed.csv", "new.csv"])
        #expect(try await bob.pullPlan(SelectionRequest(mode: .all)).names == ["changed.csv", "new.csv", "old.csv"])
    }

    @Test("nrecent: positive keeps the newest, negative the oldest (d6tpipe dropped the newest)")
    func nrecent() async throws {
        let fixture = try await PipeFixture(.file)  // S3 sets modification times itself
        for (index, name) in ["f0", "f1", "f2", "f3", "f4"].enumerated() {
            try await fixture.writeRemote(name, name)
            try fixture.touch(fixture.remoteFolder + "/" + name, at: 1_600_000_000 + Double(index) * 60)
        }
        let bob = try fixture.engine(user: "bob")
        #expect(try await bob.pullPlan(SelectionRequest(nrecent: 2)).names == ["f3", "f4"])
        #expect(try await bob.pullPlan(SelectionRequest(nrecent: -2)).names == ["f0", "f1"])
    }

    @Test("overlapping include patterns list a file once (d6tpipe listed it twice)", arguments: Backend.allCases)
    func overlappingIncludes(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "1")
        try await fixture.writeRemote("b.csv", "1")
        try await fixture.writeRemote("a.txt", "1")
        let bob = try fixture.engine(user: "bob")
        #expect(try await bob.pullPlan(SelectionRequest(include: "*.csv|a*")).names == ["a.csv", "a.txt", "b.csv"])
        #expect(
            try await bob.pullPlan(SelectionRequest(include: "*.csv|a*", exclude: "b*")).names == ["a.csv", "a.txt"])
    }

    @Test(
        "a filtered pull leaves the files it did not pull pending (d6tpipe marked them synced)",
        arguments: Backend.allCases)
    func filteredPull(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "1")
        try await fixture.writeRemote("c.txt", "1")
        let bob = try fixture.engine(user: "bob")
        #expect(try await bob.pull(SelectionRequest(include: "*.csv")).files == ["a.csv"])
        #expect(try await bob.pendingPull() == ["c.txt"])
        try await fixture.writeRemote("d.txt", "new")
        #expect(try await bob.pendingPull(cached: false) == ["c.txt", "d.txt"])
    }

    @Test(
        "after a pull, unchanged local files are not pushed again (d6tpipe re-uploaded them)",
        arguments: Backend.allCases)
    func noRepushAfterPull(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try fixture.writeLocal("mine.csv", "alice")
        let alice = try fixture.engine()
        _ = try await alice.push(SelectionRequest())
        try await fixture.writeRemote("theirs.csv", "carol")
        _ = try await alice.pull(SelectionRequest(), cached: false)
        #expect(try await alice.pushPlan(SelectionRequest()).names.isEmpty)
    }

    @Test(
        "push is refused for a read role before anything moves, and while remote changes are not pulled",
        arguments: Backend.allCases)
    func pushRefusals(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try fixture.writeLocal("a.csv", "1")
        let reader = try fixture.engine(extra: ["role": "read"])
        await #expect(throws: SyncError.readOnly(pipe: "demo")) { try await reader.push(SelectionRequest()) }
        #expect(try await fixture.remoteNames().isEmpty)

        try await fixture.writeRemote("r.csv", "remote")
        let alice = try fixture.engine()
        await #expect(throws: SyncError.notSynced(["r.csv"])) { try await alice.push(SelectionRequest()) }
        #expect(try await alice.push(SelectionRequest(mode: .all)).files == ["a.csv"], "mode all skips the check")
    }

    @Test("explicit files: missing names are an error naming them", arguments: Backend.allCases)
    func explicitFiles(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "1")
        let bob = try fixture.engine(user: "bob")
        #expect(try await bob.pullPlan(SelectionRequest(files: ["a.csv", "a.csv"])).names == ["a.csv"])
        await #expect(throws: SyncError.filesNotFound(["zzz.csv"])) {
            try await bob.pullPlan(SelectionRequest(files: ["a.csv", "zzz.csv"]))
        }
    }

    @Test("pipe default filters apply to scans; README.md text comes back with the pull", arguments: Backend.allCases)
    func defaultsAndReadme(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("README.md", "# hello")
        try await fixture.writeRemote("data.csv", "1")
        try await fixture.writeRemote("skip.tmp", "1")
        let bob = try fixture.engine(
            user: "bob", extra: ["options": ["exclude": "*.tmp"]])
        #expect(try await bob.scanRemote().map(\.filename) == ["README.md", "data.csv"])
        let pulled = try await bob.pull(SelectionRequest())
        #expect(pulled.readme == "# hello")
        #expect(pulled.license == nil)
    }

    @Test(
        "a download that does not match the listing is refused: the target is untouched, no .partial stays",
        arguments: Backend.allCases)
    func verification(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "short")
        let bob = try fixture.engine(user: "bob")
        _ = try await bob.scanRemote()  // caches a listing that will be stale
        try await fixture.writeRemote("a.csv", "much longer content now")
        do {
            _ = try await bob.pull(SelectionRequest())
            Issue.record("the pull should fail")
        } catch SyncError.transfersFailed(let failed, _) {
            #expect(failed == ["a.csv"])
        }
        #expect(fixture.localNames(user: "bob").isEmpty)
        #expect(
            try await bob.pull(SelectionRequest(), cached: false).files == ["a.csv"], "a fresh listing completes it")
    }

    @Test(
        "leftover .partial files from a crash are removed by the next pull; look-alike user files stay",
        arguments: Backend.allCases)
    func leftovers(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "1")
        try fixture.writeLocal("a.csv.0123456789abcdef.partial", "half", user: "bob")
        try fixture.writeLocal("notes.partial", "user file", user: "bob")
        let bob = try fixture.engine(user: "bob")
        _ = try await bob.pull(SelectionRequest())
        #expect(fixture.localNames(user: "bob") == ["a.csv", "notes.partial"])
    }

    @Test("state survives a new engine (a restart of the bridge)", arguments: Backend.allCases)
    func persistence(_ backend: Backend) async throws {
        let fixture = try await PipeFixture(backend)
        try await fixture.writeRemote("a.csv", "1")
        _ = try await fixture.engine(user: "bob").pull(SelectionRequest())
        #expect(try await fixture.engine(user: "bob").pendingPull().isEmpty)
    }
}
