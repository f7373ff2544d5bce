import Foundation
import GRDB

/// The local repo of one profile: a SQLite file (WAL) holding pipe settings
/// (local mode), the sync state of every pipe, cached remote listings and
/// the md5 cache. Every multi-step change runs in one transaction.
public final class ProfileDatabase: Sendable {
    /// For modules that own tables of this file (PipeRepo keeps the pipes).
    public let pool: DatabasePool
    public let path: String

    /// `<config folder>/repo/<profile>.sqlite`.
    public static func path(configFile: String, profile: String) -> String {
        let folder = (configFile as NSString).deletingLastPathComponent
        return (folder.isEmpty ? "." : folder) + "/repo/\(profile).sqlite"
    }

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: pipes, sync state, caches") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pipe (
                        name TEXT PRIMARY KEY NOT NULL,
                        settings TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL);
                    CREATE TABLE sync_state (
                        pipe TEXT PRIMARY KEY NOT NULL,
                        remote_listing TEXT NOT NULL,
                        local_listing TEXT NOT NULL,
                        synced_at REAL NOT NULL);
                    CREATE TABLE sync_history (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        pipe TEXT NOT NULL,
                        action TEXT NOT NULL,
                        files TEXT NOT NULL,
                        at REAL NOT NULL);
                    CREATE INDEX sync_history_pipe ON sync_history(pipe, at);
                    CREATE TABLE listing_cache (
                        pipe TEXT PRIMARY KEY NOT NULL,
                        listing TEXT NOT NULL,
                        fetched_at REAL NOT NULL);
                    CREATE TABLE hash_cache (
                        path TEXT PRIMARY KEY NOT NULL,
                        size INTEGER NOT NULL,
                        mtime_ns INTEGER NOT NULL,
                        inode INTEGER NOT NULL,
                        md5 TEXT NOT NULL);
                    """)
        }
        return migrator
    }
}
