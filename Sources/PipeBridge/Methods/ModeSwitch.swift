import PipeCore
import PipeJSON
import PipeRPC
import PipeRepo

/// `mode.switch`: moves the session's profile between local and server mode
/// (stored as `mode`/`server`, as d6tpipe's cfg.json). Server mode needs a
/// server URL (given, or already in the profile) that answers. With
/// `migrate: true` the profile's local pipe definitions are created on the
/// server first (parents before children); a pipe the server already has, or
/// refuses, is skipped with the reason, and nothing local is removed, so the
/// sync state carries over and a second migration skips what the first made.
public enum ModeSwitch: BridgeMethod {
    public static let name = "mode.switch"
    public static let params: [ParamSpec] = [.required("mode"), .optional("server"), .optional("migrate")]

    public struct Params: Decodable, Sendable {
        public var mode: String
        public var server: String?
        public var migrate: Bool?
    }

    public struct Result: Encodable, Sendable {
        public var mode: String
        public var server: String?
        public var username: String?
        /// With `migrate`: the pipes created on the server.
        public var migrated: [String]?
        /// With `migrate`: the pipes left out, and why.
        public var skipped: [Skipped]?

        public struct Skipped: Encodable, Sendable {
            public var name: String
            public var reason: String
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(mode, forKey: .mode)
            try container.encodeIfPresent(server, forKey: .server)
            try container.encodeIfPresent(username, forKey: .username)
            try container.encodeIfPresent(migrated, forKey: .migrated)
            try container.encodeIfPresent(skipped, forKey: .skipped)
        }

        enum CodingKeys: String, CodingKey { case mode, server, username, migrated, skipped }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let session = context.session
        switch params.mode {
        case "local":
            if params.migrate == true {
                throw BridgeError(
                    .invalidSettings, "migrate uploads local pipes to a server: it goes with mode server",
                    facts: ["field": "migrate"])
            }
            let profile = try session.config.update(session.profileName, changes: ["mode": "local"])
            return Result(mode: profile.mode, server: profile.server, username: profile.username)
        case "server":
            let profile = try session.profile()
            guard let server = params.server ?? profile.server else {
                throw BridgeError(
                    .invalidSettings, "server mode needs a server URL: pass server", facts: ["field": "server"])
            }
            guard server.hasPrefix("http://") || server.hasPrefix("https://") else {
                throw BridgeError(
                    .invalidSettings, "server must be an http:// or https:// URL, got \(server)",
                    facts: ["field": "server"])
            }
            // The server must answer before the profile switches to it.
            let repo = ServerRepo(client: ServerClient(server: server, token: profile.token))
            let username = try await repo.whoami()
            var result = Result(mode: "server", server: server, username: username)
            if params.migrate == true {
                guard username != nil else {
                    throw BridgeError(
                        .authRequired,
                        "migrate needs an account on \(server): call account.register or account.login first",
                        facts: ["server": .string(server)])
                }
                let local = try LocalRepo(database: try session.database()).all()
                (result.migrated, result.skipped) = try await migrate(local, to: repo)
            }
            let switched = try session.config.update(
                session.profileName, changes: ["mode": "server", "server": .string(server)])
            result.mode = switched.mode
            result.server = switched.server
            return result
        default:
            throw RPCError.invalidParams("mode: must be \"local\" or \"server\", got \"\(params.mode)\"", path: "mode")
        }
    }

    /// Creates each local pipe on the server, parents first; existing or refused ones are skipped.
    static func migrate(_ pipes: [PipeSettings], to repo: ServerRepo) async throws -> ([String], [Result.Skipped]) {
        var migrated: [String] = []
        var skipped: [Result.Skipped] = []
        for settings in parentsFirst(pipes) {
            let taken: Bool
            do {
                taken = try await repo.get(settings.name) != nil
            } catch let error as ServerRepoError where error.kind == .permissionDenied {
                taken = true  // someone else's pipe
            }
            if taken {
                skipped.append(.init(name: settings.name, reason: "the server has a pipe with this name already"))
                continue
            }
            do {
                _ = try await repo.create(settings.values)
                migrated.append(settings.name)
            } catch let error as ServerRepoError where error.kind == .invalid || error.kind == .permissionDenied {
                skipped.append(.init(name: settings.name, reason: error.reason))
            }
        }
        return (migrated, skipped)
    }

    /// `pipes` ordered so a parent defined among them comes before its children.
    static func parentsFirst(_ pipes: [PipeSettings]) -> [PipeSettings] {
        let byName = Dictionary(pipes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var ordered: [PipeSettings] = []
        var placed: Set<String> = []
        func place(_ pipe: PipeSettings, _ path: Set<String>) {
            guard !placed.contains(pipe.name), !path.contains(pipe.name) else { return }
            if let parent = pipe.parent, let parentSettings = byName[parent] {
                place(parentSettings, path.union([pipe.name]))
            }
            placed.insert(pipe.name)
            ordered.append(pipe)
        }
        for pipe in pipes.sorted(by: { $0.name < $1.name }) { place(pipe, []) }
        return ordered
    }
}
