import Foundation
import GRDB
import Hummingbird
import Logging

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

    public init(
        host: String = "127.0.0.1", port: Int = 5000, databasePath: String, keyPath: String,
        maxBodyBytes: Int = 1 << 20, readOnlyAccounts: Set<String> = []
    ) {
        self.readOnlyAccounts = readOnlyAccounts
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
            service: PipeService(db: db, key: key, readOnlyAccounts: configuration.readOnlyAccounts),
            logger: logger)
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
        if handleSignals {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } else {
            try await app.run()
        }
    }
}
