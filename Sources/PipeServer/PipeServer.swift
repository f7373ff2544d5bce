import Foundation
import GRDB
import Hummingbird
import Logging
import PipeCore

/// How `datapipe serve` runs.
public struct PipeServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (reported through `run`'s `onListening`).
    public var port: Int
    /// The SQLite file (made with its migrations when missing).
    public var databasePath: String
    /// The server key file (0600; made on first start).
    public var keyPath: String
    public var maxBodyBytes: Int
    /// Usernames of demo-style read-only accounts: no pipes of their own, read at most.
    public var readOnlyAccounts: Set<String>
    /// Addresses server-side scans never connect to.
    public var outbound: OutboundPolicy
    /// Folders below which `file` pipes may be scanned by the server; empty: none.
    public var scanFileRoots: [String]
    /// How often the scheduler looks for pipes whose `options.schedule` is due.
    public var scheduleTick: Duration
    /// The bucket of managed pipes (d6tpipe's `d6tfree`); nil: none.
    public var managed: ManagedStorage?

    public init(
        host: String = "127.0.0.1", port: Int = 5000, databasePath: String, keyPath: String,
        maxBodyBytes: Int = 1 << 20, readOnlyAccounts: Set<String> = [], outbound: OutboundPolicy,
        scanFileRoots: [String] = [], scheduleTick: Duration = .seconds(1), managed: ManagedStorage? = nil
    ) {
        self.managed = managed
        self.readOnlyAccounts = readOnlyAccounts
        self.outbound = outbound
        self.scanFileRoots = scanFileRoots
        self.scheduleTick = scheduleTick
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.keyPath = keyPath
        self.maxBodyBytes = maxBodyBytes
    }
}

/// The repo API server: d6tpipe 1.2.7's REST API (`/v1/api/…`) over
/// Hummingbird 2, with accounts, pipes and grants in SQLite.
public struct PipeServer: Sendable {
    let configuration: PipeServerConfiguration
    let service: PipeService
    let logger: Logger

    /// Opens (or creates) the key file and the database.
    public init(configuration: PipeServerConfiguration, logger: Logger) throws(ServerError) {
        let key = try ServerKey.loadOrCreate(path: configuration.keyPath)
        let db = try ServerDatabase.open(path: configuration.databasePath)
        self.init(
            configuration: configuration,
            service: PipeService(
                db: db, key: key, readOnlyAccounts: configuration.readOnlyAccounts,
                scanner: try Self.scanner(configuration), managed: configuration.managed),
            logger: logger)
    }

    /// The scanner of server-side listings, with its workspace (md5 cache,
    /// known SFTP hosts) in `<database>.scans.sqlite`.
    static func scanner(_ configuration: PipeServerConfiguration) throws(ServerError) -> RemoteScanner {
        let path = configuration.databasePath + ".scans.sqlite"
        do {
            return RemoteScanner(
                policy: configuration.outbound, fileRoots: configuration.scanFileRoots,
                workspace: try ProfileDatabase(path: path))
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    init(configuration: PipeServerConfiguration, service: PipeService, logger: Logger) {
        self.configuration = configuration
        self.service = service
        self.logger = logger
    }

    /// Serves until the task is cancelled, or, with `handleSignals`, until
    /// SIGTERM or SIGINT; either way in-flight requests finish first.
    /// `onListening` gets the bound port.
    public func run(handleSignals: Bool, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let responder = APIResponder(service: service, maxBodyBytes: configuration.maxBodyBytes, logger: logger)
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                if handleSignals {
                    try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
                } else {
                    try await app.run()
                }
            }
            group.addTask { await runSchedules() }
            // The server ended (a signal, or this task cancelled): the scheduler ends with it.
            try await group.next()
            group.cancelAll()
        }
    }

    /// Every `scheduleTick`, rescans the pipes whose `options.schedule` is due; until cancelled.
    private func runSchedules() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.scheduleTick)
            } catch {
                return
            }
            await service.runDueScans(logger: logger)
        }
    }
}
