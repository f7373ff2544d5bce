import Foundation
import GRDB
import Logging
import PipeCore
import PipeJSON
import PipeRemotes

/// A pipe's listing as the server keeps it.
struct StoredListing: Sendable {
    /// nil until a scan succeeds.
    var files: [RemoteFile]?
    var scannedAt: String?
    /// Why the last attempt failed; nil when it succeeded.
    var error: String?
    /// The newest change recorded for the pipe (0: none).
    var cursor: Int64
}

/// One difference between two listings of a pipe.
enum FileChange: String {
    case added, modified, removed
}

extension PipeService {
    /// `GET pipes/<name>/files/[?refresh=true]`: the pipe's remote listing as
    /// the server last took it, for anyone who may read the pipe. A pipe never
    /// scanned, or `refresh`, is scanned first.
    func files(_ caller: UserRecord, name: String, refresh: Bool) async throws -> JSON {
        let catalog = try await readCatalog(caller)
        let (pipe, _) = try Self.find(catalog, name)
        var listing = try await storedListing(pipe.id)
        if refresh || listing?.files == nil {
            listing = try await rescan(pipe, catalog: catalog)
        }
        guard let listing, let files = listing.files else { throw APIError.notFound }
        var out: JSONObject = [
            "files": .array(files.map(\.attributes)), "scanned_at": listing.scannedAt.map(JSON.string) ?? .null,
            "cursor": .integer(listing.cursor),
        ]
        if let error = listing.error { out["last_error"] = .string(error) }
        if let mirror = try await mirrorStatus(pipe.id) { out["mirror"] = mirror }
        return .object(out)
    }

    /// `GET pipes/<name>/changes/?since=…`: what the scans found changed,
    /// oldest first, after the cursor `since` (a number from an earlier answer)
    /// or from the time `since` (ISO 8601) on; at most 1,000 per answer.
    /// `since=latest` answers no changes, only the newest cursor (where a watch starts).
    func changes(_ caller: UserRecord, name: String, since: String?) async throws -> JSON {
        let catalog = try await readCatalog(caller)
        let (pipe, _) = try Self.find(catalog, name)
        if since == "latest" {
            let cursor = try readNow { db in try Self.newestChange(db, pipe.id) }
            return .object(["changes": [], "cursor": .integer(cursor), "more": false])
        }
        var filter = ""
        var arguments: StatementArguments = [pipe.id]
        if let since, !since.isEmpty {
            if let cursor = Int64(since) {
                filter = "AND seq > ?"
                arguments += [cursor]
            } else if let date = ISO8601.seconds(since) ?? Self.dayOrDateTime(since) {
                filter = "AND at >= ?"
                arguments += [ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: date))]
            } else {
                throw APIError.field("since", "Expected a cursor (a number) or an ISO 8601 time, got '\(since)'.")
            }
        }
        let limit = 1000
        let rows = try readNow { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM changes WHERE pipe_id = ? \(filter) ORDER BY seq LIMIT \(limit + 1)",
                arguments: arguments)
        }
        let page = rows.prefix(limit)
        let changes: [JSON] = page.map { row in
            var change: JSONObject = [
                "seq": .integer(row["seq"] as Int64), "at": .string(row["at"] as String),
                "filename": .string(row["filename"] as String), "change": .string(row["change"] as String),
            ]
            if let size: Int64 = row["size"] { change["size"] = .integer(size) }
            if let crc: String = row["crc"] { change["crc"] = .string(crc) }
            return .object(change)
        }
        let cursor: Int64 = page.last?["seq"] ?? Int64(since ?? "") ?? 0
        return .object(["changes": .array(changes), "cursor": .integer(cursor), "more": .bool(rows.count > limit)])
    }

    /// Scans the pipe's remote now and records the listing and what changed
    /// since the last one; a failure is recorded too, then thrown as the
    /// answer the caller gets.
    @discardableResult
    func rescan(_ pipe: PipeRecord, catalog: PipeCatalog) async throws -> StoredListing {
        guard let scanner else { throw APIError.detail(501, "This server does not scan remotes.") }
        let values = try remoteValues(pipe, catalog)
        let attempted = Date().timeIntervalSince1970
        let refusal: APIError
        do {
            let files = try await scanner.scan(values).sorted { $0.filename < $1.filename }
            return try await record(pipe.id, files: files, attempted: attempted)
        } catch let error as RemoteScanner.Refusal {
            refusal = APIError.field(error.field, error.reason)
        } catch let error as SettingsError {
            refusal = APIError.field(error.field, error.reason)
        } catch let error as RemoteError {
            refusal = APIError.detail(502, "Scanning the remote of pipe '\(pipe.name)' failed: \(error)")
        }
        let message = refusal.message
        try await db.write { db in
            try db.execute(
                sql: """
                    INSERT INTO listings (pipe_id, attempted_epoch, error) VALUES (?, ?, ?)
                    ON CONFLICT (pipe_id) DO UPDATE SET attempted_epoch = excluded.attempted_epoch, error = excluded.error
                    """,
                arguments: [pipe.id, attempted, message])
        }
        throw refusal
    }

    /// The pipe's resolved settings with its stored credentials: what opening its remote takes.
    func remoteValues(_ pipe: PipeRecord, _ catalog: PipeCatalog) throws -> JSONObject {
        var values = catalog.resolved(pipe)
        if let credentials = try storedCredentials(catalog, pipe) { values["credentials"] = credentials }
        return values
    }

    /// Rescans every pipe whose own `options.schedule` (minutes) has passed
    /// since its last attempt, after running its mirror when it has one;
    /// failures are logged and kept with the listing.
    func runDueScans(logger: Logger) async {
        do {
            let (catalog, attempts) = try await db.read { db in
                let catalog = try PipeCatalog.load(db, caller: .server)
                let rows = try Row.fetchAll(db, sql: "SELECT pipe_id, attempted_epoch FROM listings")
                let attempts = Dictionary(
                    rows.map { ($0["pipe_id"] as Int64, $0["attempted_epoch"] as Double) },
                    uniquingKeysWith: { first, _ in first })
                return (catalog, attempts)
            }
            let now = Date().timeIntervalSince1970
            for pipe in catalog.pipes.values.sorted(by: { $0.name < $1.name }) {
                guard let minutes = Self.scheduleMinutes(pipe.settings) else { continue }
                if let last = attempts[pipe.id], now - last < minutes * 60 { continue }
                if let source = Self.mirrorSource(pipe.settings) { await runMirror(pipe, from: source, logger: logger) }
                do {
                    let listing = try await rescan(pipe, catalog: catalog)
                    logger.info(
                        "scheduled scan of pipe \(pipe.name): \(listing.files?.count ?? 0) files, cursor \(listing.cursor)"
                    )
                } catch let error as APIError {
                    logger.warning("scheduled scan of pipe \(pipe.name) failed: \(error.message)")
                }
            }
        } catch {
            logger.error("scheduled scans: \(error)")
        }
    }

    /// `options.schedule` of a pipe's own settings: minutes, a positive number.
    static func scheduleMinutes(_ settings: JSONObject) -> Double? {
        switch settings["options"]?["schedule"] {
        case .integer(let minutes)? where minutes > 0: Double(minutes)
        case .double(let minutes)? where minutes > 0: minutes
        default: nil
        }
    }

    /// A `YYYY-MM-DD` day or a date-time without fraction, as seconds since 1970.
    private static func dayOrDateTime(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)?.timeIntervalSince1970
    }

    private func storedListing(_ pipeID: Int64) async throws -> StoredListing? {
        try await db.read { db in try Self.listing(db, pipeID) }
    }

    private static func listing(_ db: Database, _ pipeID: Int64) throws -> StoredListing? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM listings WHERE pipe_id = ?", arguments: [pipeID])
        else { return nil }
        let files = try (row["files"] as String?).map { text in
            (try JSON.parse(text).arrayValue ?? []).compactMap(RemoteFile.init(attributes:))
        }
        return StoredListing(
            files: files, scannedAt: row["scanned_at"], error: row["error"], cursor: try newestChange(db, pipeID))
    }

    /// The cursor of the pipe's newest recorded change; 0 when there is none.
    private static func newestChange(_ db: Database, _ pipeID: Int64) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM changes WHERE pipe_id = ?", arguments: [pipeID]) ?? 0
    }

    /// Stores `files` as the pipe's listing and, in the same transaction,
    /// one change per file added, modified (size or crc) or removed since the last listing.
    private func record(_ pipeID: Int64, files: [RemoteFile], attempted: Double) async throws -> StoredListing {
        try await db.write { db in
            let before = try Self.listing(db, pipeID)?.files ?? []
            let old = Dictionary(before.map { ($0.filename, $0) }, uniquingKeysWith: { _, last in last })
            let new = Dictionary(files.map { ($0.filename, $0) }, uniquingKeysWith: { _, last in last })
            let now = ServerDatabase.now()
            func note(_ file: RemoteFile, _ change: FileChange) throws {
                try db.execute(
                    sql: "INSERT INTO changes (pipe_id, at, filename, change, size, crc) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        pipeID, now, file.filename, change.rawValue, change == .removed ? nil : file.size,
                        change == .removed ? nil : file.crc,
                    ])
            }
            for file in files {
                if let previous = old[file.filename] {
                    if previous.size != file.size || previous.crc != file.crc { try note(file, .modified) }
                } else {
                    try note(file, .added)
                }
            }
            for file in before where new[file.filename] == nil { try note(file, .removed) }
            try db.execute(
                sql: """
                    INSERT INTO listings (pipe_id, files, scanned_at, attempted_epoch, error) VALUES (?, ?, ?, ?, NULL)
                    ON CONFLICT (pipe_id) DO UPDATE SET files = excluded.files, scanned_at = excluded.scanned_at,
                        attempted_epoch = excluded.attempted_epoch, error = NULL
                    """,
                arguments: [pipeID, String(describing: JSON.array(files.map(\.attributes))), now, attempted])
            return StoredListing(files: files, scannedAt: now, cursor: try Self.newestChange(db, pipeID))
        }
    }
}
