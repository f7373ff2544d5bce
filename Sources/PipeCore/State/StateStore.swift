import Foundation
import GRDB
import PipeJSON
import PipeRemotes

/// What a pipe looked like at its last sync: the remote files pulled or
/// pushed (by name), and the local files as they were then.
public struct SyncState: Sendable, Equatable {
    public var remote: [String: RemoteFile]
    public var local: [String: RemoteFile]
    public var syncedAt: Double?

    public static let empty = SyncState(remote: [:], local: [:], syncedAt: nil)

    public init(remote: [String: RemoteFile], local: [String: RemoteFile], syncedAt: Double?) {
        self.remote = remote
        self.local = local
        self.syncedAt = syncedAt
    }
}

/// One recorded action on a pipe.
public struct HistoryEntry: Sendable, Equatable {
    public var action: String
    public var files: [String]
    public var at: Double
}

/// Sync state, history and cached remote listings of the pipes of a profile.
/// State lives on the client in both modes.
public struct StateStore: Sendable {
    let database: ProfileDatabase

    public init(database: ProfileDatabase) {
        self.database = database
    }

    /// The state of `pipe`; `withLocal: false` leaves the local side empty
    /// (a pull plan compares remote with remote only).
    public func state(of pipe: String, withLocal: Bool = true) throws -> SyncState {
        try database.pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT remote_listing, local_listing, synced_at FROM sync_state WHERE pipe = ?",
                    arguments: [pipe])
            else { return .empty }
            return SyncState(
                remote: try ListingCodec.decode(Self.bytes(row[0])),
                local: withLocal ? try ListingCodec.decode(Self.bytes(row[1])) : [:],
                syncedAt: row[2])
        }
    }

    /// Saves the new state and its history entry together.
    public func record(
        _ state: SyncState, pipe: String, action: String, files: [String], at now: Double = Date().timeIntervalSince1970
    ) throws {
        let remote = ListingCodec.encode(Array(state.remote.values))
        let local = ListingCodec.encode(Array(state.local.values))
        let names = JSON.array(files.map(JSON.string)).description
        try database.pool.write { db in
            try db.execute(
                sql:
                    "INSERT OR REPLACE INTO sync_state (pipe, remote_listing, local_listing, synced_at) VALUES (?, ?, ?, ?)",
                arguments: [pipe, remote, local, now])
            try db.execute(
                sql: "INSERT INTO sync_history (pipe, action, files, at) VALUES (?, ?, ?, ?)",
                arguments: [pipe, action, names, now])
        }
    }

    public func history(of pipe: String, limit: Int = 100) throws -> [HistoryEntry] {
        try database.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT action, files, at FROM sync_history WHERE pipe = ? ORDER BY id DESC LIMIT ?",
                arguments: [pipe, limit]
            ).map { row in
                let files = (try? JSON.parse(row["files"] as String))?.arrayValue?.compactMap(\.stringValue) ?? []
                return HistoryEntry(action: row["action"], files: files, at: row["at"])
            }
        }
    }

    /// Forgets everything about `pipe`: state, history, cached listing.
    public func forget(_ pipe: String) throws {
        try database.pool.write { db in
            for table in ["sync_state", "sync_history", "listing_cache"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE pipe = ?", arguments: [pipe])
            }
        }
    }

    // MARK: Cached remote listings

    /// The cached listing if it is younger than `maxAge` seconds.
    public func cachedListing(of pipe: String, maxAge: Double, now: Double = Date().timeIntervalSince1970) throws
        -> [RemoteFile]?
    {
        try database.pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT listing, fetched_at FROM listing_cache WHERE pipe = ?", arguments: [pipe]),
                now - (row[1] as Double) < maxAge
            else { return nil }
            return try ListingCodec.decodeFiles(Self.bytes(row[0]))
        }
    }

    public func storeListing(_ listing: [RemoteFile], of pipe: String, at now: Double = Date().timeIntervalSince1970)
        throws
    {
        let encoded = ListingCodec.encode(listing)
        try database.pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO listing_cache (pipe, listing, fetched_at) VALUES (?, ?, ?)",
                arguments: [pipe, encoded, now])
        }
    }

    public func dropListing(of pipe: String) throws {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM listing_cache WHERE pipe = ?", arguments: [pipe])
        }
    }

    // MARK: Encoding

    /// A listing column as stored: bytes, or JSON text from earlier versions.
    static func bytes(_ value: DatabaseValue) -> DatabaseBytes {
        switch value.storage {
        case .blob(let data): return .blob(data)
        case .string(let text): return .text(text)
        default: return .blob(Data())
        }
    }
}
