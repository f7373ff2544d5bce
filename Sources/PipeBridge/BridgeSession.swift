import PipeCore
import PipeRPC
import PipeRepo
import Synchronization

/// One connection's state: how the peer came in, whether it has proved it
/// may talk to this bridge, and which config file and profile it works on.
public final class BridgeSession: Sendable {
    public let environment: BridgeEnvironment
    public let peer: PeerKind
    private let authenticated: Atomic<Bool>
    private let selection: Mutex<(configFile: String, profile: String)>

    public init(environment: BridgeEnvironment, peer: PeerKind) {
        self.environment = environment
        self.peer = peer
        // Only TCP peers must present the token: stdio and Unix sockets are
        // guarded by the operating system (process ownership, 0600 socket).
        let mustAuthenticate: Bool
        if case .tcp = peer { mustAuthenticate = environment.connectionToken != nil } else { mustAuthenticate = false }
        authenticated = Atomic(!mustAuthenticate)
        selection = Mutex((environment.configFile, environment.profile))
    }

    public var isAuthenticated: Bool { authenticated.load(ordering: .acquiring) }

    func markAuthenticated() { authenticated.store(true, ordering: .releasing) }

    public var configFile: String { selection.withLock { $0.configFile } }
    public var profileName: String { selection.withLock { $0.profile } }

    /// Points this session at another config file and/or profile.
    func configure(configFile: String?, profile: String?) {
        selection.withLock { selection in
            if let configFile { selection.configFile = configFile }
            if let profile { selection.profile = profile }
        }
    }

    var config: ConfigStore { ConfigStore(path: configFile) }

    func profile() throws -> Profile { try config.profile(profileName) }

    /// The profile's local repo database (opened once per process).
    func database() throws -> ProfileDatabase {
        let (configFile, profile) = selection.withLock { ($0.configFile, $0.profile) }
        return try ProfileDatabases.shared.open(ProfileDatabase.path(configFile: configFile, profile: profile))
    }

    /// The repo API of the profile's mode: the one place sessions choose
    /// between the local database and the repo server.
    func repo() throws -> any PipeRepository {
        let profile = try profile()
        guard profile.mode == "server" else { return LocalRepo(database: try database()) }
        return ServerRepo(client: try serverClient(profile))
    }

    /// The client for the profile's server, as its user (the profile's token).
    func serverClient(_ profile: Profile? = nil) throws -> ServerClient {
        let profile = try profile ?? self.profile()
        guard let server = profile.server else {
            throw BridgeError(
                .invalidSettings, "profile \(profile.name) has no server URL; call mode.switch with a server",
                facts: ["field": "server"])
        }
        return ServerClient(server: server, token: profile.token)
    }

    func stateStore() throws -> StateStore { StateStore(database: try database()) }

    /// The sync engine of `pipe`, ready to scan, pull and push.
    func engine(for pipe: String, concurrency: Int? = nil) async throws -> SyncEngine {
        let repo = try repo()
        guard let described = try await repo.get(pipe) else {
            throw BridgeError.noPipe(pipe)
        }
        let settings = try await repo.withCredentials(described)
        let database = try database()
        let hashes = HashCache(database: database)
        let workspace = PipeWorkspace(
            settings: settings, folder: try profile().filerepo + "/" + settings.folder,
            openRemote: { write in try RemoteFactory.open(settings, write: write, hashes: hashes) },
            state: StateStore(database: database), hashes: hashes)
        return SyncEngine(workspace: workspace, concurrency: concurrency ?? settings.concurrency ?? 8)
    }
}

/// One open database per file for the whole process: sessions share it.
final class ProfileDatabases: Sendable {
    static let shared = ProfileDatabases()
    private let open = Mutex<[String: ProfileDatabase]>([:])

    func open(_ path: String) throws -> ProfileDatabase {
        try open.withLock { opened in
            if let database = opened[path] { return database }
            let database = try ProfileDatabase(path: path)
            opened[path] = database
            return database
        }
    }
}
