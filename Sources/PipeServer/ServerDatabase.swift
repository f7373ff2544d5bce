import Foundation
import GRDB
import PipeJSON

/// A registered account as stored.
struct UserRecord: Sendable {
    var id: Int64
    var username: String
    var email: String
    var passwordHash: String
    var tokenHash: String
    var tokenSealed: [UInt8]
    var readOnly: Bool

    init(row: Row) {
        id = row["id"]
        username = row["username"]
        email = row["email"]
        passwordHash = row["password_hash"]
        tokenHash = row["token_hash"]
        tokenSealed = [UInt8](row["token_sealed"] as Data)
        readOnly = row["read_only"]
    }
}

extension UserRecord {
    /// The server itself, for its own jobs (scheduled scans): owns nothing, is granted nothing.
    static let server = UserRecord(
        id: -1, username: "(server)", email: "", passwordHash: "", tokenHash: "", tokenSealed: [], readOnly: true)

    private init(
        id: Int64, username: String, email: String, passwordHash: String, tokenHash: String, tokenSealed: [UInt8],
        readOnly: Bool
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.tokenHash = tokenHash
        self.tokenSealed = tokenSealed
        self.readOnly = readOnly
    }
}

/// A pipe as stored: its own settings (no credentials), its parent's name,
/// and its credentials sealed under the server key.
struct PipeRecord: Sendable {
    var id: Int64
    var name: String
    var ownerID: Int64
    var ownerName: String
    var parent: String?
    var settings: JSONObject
    var credentialsSealed: [UInt8]?
    var createdAt: String
    var updatedAt: String

    init(row: Row) {
        id = row["id"]
        name = row["name"]
        ownerID = row["owner_id"]
        ownerName = row["owner_name"]
        parent = row["parent"]
        let text: String = row["settings"]
        settings = (try? JSON.parse(text))?.objectValue ?? JSONObject()
        credentialsSealed = (row["credentials_sealed"] as Data?).map { [UInt8]($0) }
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}

/// One grant on a pipe. `grantee` is `user:<id>`, `email:<address>` (someone
/// not registered yet) or `public`.
struct GrantRecord: Sendable {
    var pipeID: Int64
    var grantee: String
    var role: Role
    var expiresAt: Int64?

    init(row: Row) {
        pipeID = row["pipe_id"]
        grantee = row["grantee"]
        role = Role(rawValue: row["role"]) ?? .read
        expiresAt = row["expires_at"]
    }

    func isLive(now: Int64) -> Bool { expiresAt.map { now < $0 } ?? true }
}

/// Granted roles, weakest first.
enum Role: String, Sendable, Comparable {
    case read, write, admin

    private var rank: Int {
        switch self {
        case .read: 1
        case .write: 2
        case .admin: 3
        }
    }

    static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// The server's SQLite file: WAL mode (GRDB's `DatabasePool`), versioned
/// migrations, foreign keys on.
enum ServerDatabase {
    static func open(path: String) throws(ServerError) -> DatabasePool {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            let pool = try DatabasePool(path: path, configuration: configuration)
            try migrator.migrate(pool)
            return pool
        } catch {
            throw .database(path: path, reason: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts-pipes-grants") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        id INTEGER PRIMARY KEY,
                        username TEXT NOT NULL UNIQUE,
                        email TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        token_sealed BLOB NOT NULL,
                        read_only INTEGER NOT NULL DEFAULT 0,
                        created_at TEXT NOT NULL
                    );
                    CREATE TABLE pipes (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        parent TEXT,
                        settings TEXT NOT NULL,
                        credentials_sealed BLOB,
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX pipes_parent ON pipes(parent);
                    CREATE TABLE grants (
                        pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
                        grantee TEXT NOT NULL,
                        role TEXT NOT NULL,
                        expires_at INTEGER,
                        PRIMARY KEY (pipe_id, grantee)
                    );
                    CREATE INDEX grants_grantee ON grants(grantee);
                    """)
        }
        migrator.registerMigration("v2-listings-changes") { db in
            // One row per scanned pipe: the last listing (null until a scan
            // succeeds), when it was taken, the last attempt and its error.
            try db.execute(
                sql: """
                    CREATE TABLE listings (
                        pipe_id INTEGER PRIMARY KEY REFERENCES pipes(id) ON DELETE CASCADE,
                        files TEXT,
                        scanned_at TEXT,
                        attempted_epoch REAL NOT NULL,
                        error TEXT
                    );
                    CREATE TABLE changes (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
                        at TEXT NOT NULL,
                        filename TEXT NOT NULL,
                        change TEXT NOT NULL,
                        size INTEGER,
                        crc TEXT
                    );
                    CREATE INDEX changes_pipe ON changes(pipe_id, seq);
                    """)
        }
        migrator.registerMigration("v3-mirrors") { db in
            // What a mirror copied (the source's crc and size per file), and its last run.
            try db.execute(
                sql: """
                    CREATE TABLE mirror_files (
                        pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
                        filename TEXT NOT NULL,
                        source_crc TEXT NOT NULL,
                        source_size INTEGER NOT NULL,
                        PRIMARY KEY (pipe_id, filename)
                    );
                    CREATE TABLE mirrors (
                        pipe_id INTEGER PRIMARY KEY REFERENCES pipes(id) ON DELETE CASCADE,
                        source TEXT NOT NULL,
                        ran_at TEXT NOT NULL,
                        copied INTEGER NOT NULL,
                        error TEXT
                    );
                    """)
        }
        migrator.registerMigration("v4-pipes-generation") { db in
            // A counter every change to `pipes` bumps, in the same transaction:
            // readers keep parsed pipes while it stays the same.
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    INSERT INTO meta (key, value) VALUES ('pipes_generation', 0);
                    """ + catalogTriggers(on: "pipes"))
        }
        migrator.registerMigration("v5-issued-credentials") { db in
            // Temporary keys issued for managed pipes, sealed, per pipe and role, until they expire.
            try db.execute(
                sql: """
                    CREATE TABLE issued_credentials (
                        pipe_id INTEGER NOT NULL REFERENCES pipes(id) ON DELETE CASCADE,
                        role TEXT NOT NULL,
                        sealed BLOB NOT NULL,
                        expires_epoch REAL NOT NULL,
                        PRIMARY KEY (pipe_id, role)
                    );
                    """)
        }
        migrator.registerMigration("v6-catalog-generation") { db in
            // Users and grants count for the cached catalog too (the counter keeps its v4 name).
            try db.execute(sql: catalogTriggers(on: "users") + catalogTriggers(on: "grants"))
        }
        return migrator
    }

    /// Triggers that bump the catalog generation on every insert, update and delete of `table`.
    static func catalogTriggers(on table: String) -> String {
        ["INSERT", "UPDATE", "DELETE"].map { event in
            """
            CREATE TRIGGER \(table)_\(event.lowercased()) AFTER \(event) ON \(table) BEGIN
                UPDATE meta SET value = value + 1 WHERE key = 'pipes_generation';
            END;
            """
        }.joined(separator: "\n")
    }

    static let pipeColumns = """
        SELECT pipes.*, users.username AS owner_name FROM pipes JOIN users ON users.id = pipes.owner_id
        """

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
}
