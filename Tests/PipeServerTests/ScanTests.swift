import Foundation
import PipeJSON
import Testing

@testable import PipeServer

/// Server-side scans: the cached listing (`files/`), what changed between
/// scans (`changes/`), schedules, and the limits on what a scan may reach.
@Suite("Server-side scans, changes and schedules", .timeLimit(.minutes(3)))
struct ScanTests {
    /// A `file` pipe of alice's on a fresh folder below the server's scan root.
    struct Scene {
        let server: TestServer
        let alice: String
        let remote: URL

        static func make(_ server: TestServer, options: JSON = [:]) async throws -> Scene {
            let alice = try await server.register("alice")
            let remote = server.folder.appendingPathComponent("remote-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: remote, withIntermediateDirectories: true)
            var merged = options.objectValue ?? [:]
            merged["remotepath"] = .string(remote.path)
            let created = try await server.call(
                "POST", "pipes/", token: alice, body: ["name": "data", "protocol": "file", "options": .object(merged)])
            try #require(created.status == 201, "\(created)")
            return Scene(server: server, alice: alice, remote: remote)
        }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: remote.appendingPathComponent(name))
        }

        func files(refresh: Bool = false, token: String? = nil) async throws -> Reply {
            try await server.call("GET", "pipes/data/files/" + (refresh ? "?refresh=true" : ""), token: token ?? alice)
        }

        func changes(since: String? = nil, token: String? = nil) async throws -> Reply {
            try await server.call(
                "GET", "pipes/data/changes/" + (since.map { "?since=\($0)" } ?? ""), token: token ?? alice)
        }
    }

    static func names(_ reply: Reply) -> [String] {
        (reply.json?["files"]?.arrayValue ?? []).compactMap { $0["filename"]?.stringValue }
    }

    static func changeList(_ reply: Reply) -> [String] {
        (reply.json?["changes"]?.arrayValue ?? []).compactMap { change in
            guard let kind = change["change"]?.stringValue, let name = change["filename"]?.stringValue else {
                return nil
            }
            return "\(kind) \(name)"
        }
    }

    @Test("the first read scans; later reads answer the cached listing until ?refresh=true; changes name what moved")
    func cachedListingAndChanges() async throws {
        try await withServer { server in
            let scene = try await Scene.make(server)
            try scene.write("a.csv", "1\n")
            try scene.write("b.csv", "22\n")
            let first = try await scene.files()
            #expect(first.status == 200, "\(first)")
            #expect(Self.names(first) == ["a.csv", "b.csv"])
            let a = try #require(first.json?["files"]?[0])
            #expect(a["size"]?.integerValue == 2)
            #expect(a["crc"]?.stringValue?.count == 32, "file pipes compare by md5")
            #expect(a["modified_at"]?.stringValue?.hasSuffix("Z") == true)
            #expect(first.json?["scanned_at"]?.stringValue != nil)
            let cursor = try #require(first.json?["cursor"]?.integerValue)

            try scene.write("a.csv", "one\n")
            try FileManager.default.removeItem(at: scene.remote.appendingPathComponent("b.csv"))
            try scene.write("c.csv", "3\n")
            #expect(Self.names(try await scene.files()) == ["a.csv", "b.csv"], "a plain read answers the cache")
            let fresh = try await scene.files(refresh: true)
            #expect(Self.names(fresh) == ["a.csv", "c.csv"])

            let since = try await scene.changes(since: String(cursor))
            #expect(Self.changeList(since) == ["modified a.csv", "added c.csv", "removed b.csv"], "\(since)")
            #expect(since.json?["cursor"]?.integerValue == fresh.json?["cursor"]?.integerValue)
            #expect(since.json?["more"]?.boolValue == false)
            let all = try await scene.changes()
            #expect(
                Self.changeList(all) == [
                    "added a.csv", "added b.csv", "modified a.csv", "added c.csv", "removed b.csv",
                ])
            let nothing = try await scene.changes(since: String(try #require(since.json?["cursor"]?.integerValue)))
            #expect(Self.changeList(nothing).isEmpty)
            let byTime = try await scene.changes(since: "2000-01-01")
            #expect(Self.changeList(byTime).count == 5)
            let bad = try await scene.changes(since: "yesterday")
            #expect(bad.status == 400 && bad.text.contains("since"), "\(bad)")
        }
    }

    @Test("listings and changes need read access: 403 without a grant, 200 with one")
    func readersOnly() async throws {
        try await withServer { server in
            let scene = try await Scene.make(server)
            try scene.write("a.csv", "1\n")
            let bob = try await server.register("bob")
            #expect(try await scene.files(token: bob).status == 403)
            #expect(try await scene.changes(token: bob).status == 403)
            #expect(try await server.call("GET", "pipes/nope/files/", token: bob).status == 404)
            let grant = try await server.call(
                "POST", "pipes/data/permissions/", token: scene.alice, body: ["username": "bob", "role": "read"])
            try #require(grant.status == 201, "\(grant)")
            #expect(Self.names(try await scene.files(token: bob)) == ["a.csv"])
            #expect(Self.changeList(try await scene.changes(token: bob)) == ["added a.csv"])
        }
    }

    @Test("a schedule rescans without anyone asking, and the changes show up")
    func scheduledRescan() async throws {
        try await withServer { server in
            let scene = try await Scene.make(server, options: ["schedule": .double(0.005)])
            try scene.write("a.csv", "1\n")
            var seen: [String] = []
            for _ in 0..<300 where !seen.contains("added a.csv") {
                try await Task.sleep(for: .milliseconds(100))
                seen = Self.changeList(try await scene.changes())
            }
            #expect(seen == ["added a.csv"])
            try scene.write("b.csv", "2\n")
            for _ in 0..<300 where !seen.contains("added b.csv") {
                try await Task.sleep(for: .milliseconds(100))
                seen = Self.changeList(try await scene.changes())
            }
            #expect(seen == ["added a.csv", "added b.csv"])

            let bad = try await server.call(
                "PATCH", "pipes/data/", token: scene.alice, body: ["options": ["schedule": "hourly"]])
            #expect(bad.status == 400 && bad.text.contains("schedule"), "\(bad)")
            let negative = try await server.call(
                "PATCH", "pipes/data/", token: scene.alice, body: ["options": ["schedule": -5]])
            #expect(negative.status == 400, "\(negative)")
        }
    }

    @Test("scans refuse link-local and metadata hosts, file pipes outside the scan roots, and server-side key files")
    func refusedTargets() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let cases: [(JSON, String, String)] = [
                (
                    [
                        "name": "metadata", "protocol": "s3",
                        "options": ["remotepath": "s3://bucket/", "endpoint_url": "http://169.254.169.254/"],
                        "credentials": ["aws_access_key_id": "k", "aws_secret_access_key": "s"],
                    ], "options.endpoint_url", "169.254.169.254"
                ),
                (
                    [
                        "name": "linklocal", "protocol": "sftp", "location": "169.254.10.20:22",
                        "options": ["remotepath": "/data"], "credentials": ["username": "u", "password": "p"],
                    ], "location", "169.254.10.20"
                ),
                (
                    ["name": "v6", "protocol": "ftp", "location": "[fe80::1]:21", "options": ["remotepath": "/"]],
                    "location", "fe80::1"
                ),
                (
                    [
                        "name": "hostsfile", "protocol": "sftp", "location": "127.0.0.1:22",
                        "options": ["remotepath": "/data", "known_hosts": "/root/.ssh/known_hosts"],
                        "credentials": ["username": "u", "password": "p"],
                    ], "options.known_hosts", "host_key"
                ),
                (
                    ["name": "etc", "protocol": "file", "options": ["remotepath": "/etc"]], "options.remotepath",
                    "--scan-file-root"
                ),
                (
                    [
                        "name": "escape", "protocol": "file",
                        "options": ["remotepath": .string(server.folder.path + "/../")],
                    ], "options.remotepath", "--scan-file-root"
                ),
            ]
            for (settings, field, words) in cases {
                let name = try #require(settings["name"]?.stringValue)
                let created = try await server.call("POST", "pipes/", token: alice, body: settings)
                try #require(created.status == 201, "\(created)")
                let started = ContinuousClock.now
                let reply = try await server.call("GET", "pipes/\(name)/files/", token: alice)
                #expect(reply.status == 400, "\(name): \(reply)")
                #expect(reply.json?[field] != nil, "\(name): the refusal names \(field): \(reply)")
                #expect(reply.text.contains(words), "\(name): \(reply)")
                #expect(ContinuousClock.now - started < .seconds(10), "\(name): refused before any connection")
            }
        }
    }

    @Test(
        "a mirror copies its source's new and changed files on the schedule, keeps removed ones, and reports its runs")
    func mirrorCopies() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let source = server.folder.appendingPathComponent("src-\(UUID().uuidString)")
            let target = server.folder.appendingPathComponent("dst-\(UUID().uuidString)")
            for folder in [source, target] {
                try FileManager.default.createDirectory(
                    at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
            }
            func pipe(_ name: String, _ folder: URL, _ extra: JSONObject = [:]) -> JSON {
                var options: JSONObject = ["remotepath": .string(folder.path)]
                for (key, value) in extra { options[key] = value }
                return ["name": .string(name), "protocol": "file", "options": .object(options)]
            }
            func write(_ name: String, _ text: String) throws {
                try Data(text.utf8).write(to: source.appendingPathComponent(name))
            }
            func mirrored(_ name: String) -> String? {
                (try? Data(contentsOf: target.appendingPathComponent(name))).map { String(decoding: $0, as: UTF8.self) }
            }
            func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
                for _ in 0..<300 where !condition() { try await Task.sleep(for: .milliseconds(100)) }
                #expect(condition(), "\(what) within 30 s")
            }
            try #require(try await server.call("POST", "pipes/", token: alice, body: pipe("src", source)).status == 201)

            let refusals: [(JSON, Int, String)] = [
                (pipe("selfish", target, ["mirror_from": "selfish", "schedule": 1]), 400, "itself"),
                (pipe("orphan", target, ["mirror_from": "nope", "schedule": 1]), 400, "does not exist"),
                (pipe("unscheduled", target, ["mirror_from": "src"]), 400, "schedule"),
            ]
            for (body, status, words) in refusals {
                let reply = try await server.call("POST", "pipes/", token: alice, body: body)
                #expect(reply.status == status && reply.text.contains(words), "\(reply)")
            }
            let bob = try await server.register("bob")
            let stranger = try await server.call(
                "POST", "pipes/", token: bob, body: pipe("bobs", target, ["mirror_from": "src", "schedule": 1]))
            #expect(stranger.status == 403, "bob may not read src: \(stranger)")

            try write("a.csv", "1\n")
            try write("sub/b.csv", "2\n")
            let created = try await server.call(
                "POST", "pipes/", token: alice,
                body: pipe("dst", target, ["mirror_from": "src", "schedule": .double(0.005)]))
            try #require(created.status == 201, "\(created)")
            try await waitUntil("both files mirrored") { mirrored("a.csv") == "1\n" && mirrored("sub/b.csv") == "2\n" }

            try FileManager.default.removeItem(at: source.appendingPathComponent("sub/b.csv"))
            try write("a.csv", "one\n")
            try await waitUntil("the changed file mirrored") { mirrored("a.csv") == "one\n" }
            #expect(mirrored("sub/b.csv") == "2\n", "a mirror copies; it does not delete")

            let files = try await server.call("GET", "pipes/dst/files/", token: alice)
            #expect(files.json?["mirror"]?["from"]?.stringValue == "src", "\(files)")
            #expect(files.json?["mirror"]?["error"] == nil, "\(files)")
            let changes = try await server.call("GET", "pipes/dst/changes/", token: alice)
            #expect(Self.changeList(changes).contains("modified a.csv"), "\(changes)")
        }
    }

    @Test("a scan that fails answers 502 naming the pipe and the reason, never the password")
    func failedScan() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let password = "pw-\(UUID().uuidString)"
            let created = try await server.call(
                "POST", "pipes/", token: alice,
                body: [
                    "name": "closed", "protocol": "ftp", "location": "127.0.0.1:1", "options": ["remotepath": "/"],
                    "credentials": ["username": "u", "password": .string(password)],
                ])
            try #require(created.status == 201, "\(created)")
            let reply = try await server.call("GET", "pipes/closed/files/", token: alice)
            #expect(reply.status == 502, "\(reply)")
            #expect(reply.text.contains("pipe 'closed'"), "\(reply)")
            #expect(!reply.text.contains(password))
            let changes = try await server.call("GET", "pipes/closed/changes/", token: alice)
            #expect(changes.status == 200 && Self.changeList(changes).isEmpty, "\(changes)")
        }
    }

    @Test("the deny-list: CIDR blocks and single addresses, IPv4-mapped IPv6, bad entries named")
    func outboundPolicy() throws {
        let policy = try OutboundPolicy()
        #expect(policy.deniedAddress(of: "169.254.169.254")?.network.description == "169.254.0.0/16")
        #expect(policy.deniedAddress(of: "::ffff:169.254.169.254") != nil)
        #expect(policy.deniedAddress(of: "fd00:ec2::254") != nil)
        #expect(policy.deniedAddress(of: "[fe80::abcd]") != nil)
        #expect(policy.deniedAddress(of: "127.0.0.1") == nil)
        #expect(policy.deniedAddress(of: "169.255.0.1") == nil)
        #expect(policy.deniedAddress(of: "no-such-host.invalid") == nil, "an unresolvable name fails on its own")
        let loopback = try OutboundPolicy(denied: ["127.0.0.0/8", "::1"])
        #expect(loopback.deniedAddress(of: "localhost") != nil)
        #expect(loopback.deniedAddress(of: "127.1.2.3")?.address == "127.1.2.3")
        #expect(try OutboundPolicy(denied: []).deniedAddress(of: "169.254.169.254") == nil)
        #expect(throws: OutboundPolicyError.self) { try OutboundPolicy(denied: ["10.0.0.0/33"]) }
        #expect(throws: OutboundPolicyError.self) { try OutboundPolicy(denied: ["metadata.internal"]) }
    }
}
