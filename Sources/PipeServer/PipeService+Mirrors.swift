import Foundation
import GRDB
import Logging
import PipeCore
import PipeJSON
import PipeRemotes

extension PipeService {
    /// `options.mirror_from` of a pipe's own settings: the pipe whose files it copies.
    static func mirrorSource(_ settings: JSONObject) -> String? {
        settings["options"]?["mirror_from"]?.stringValue
    }

    /// Checks `options.mirror_from` as the caller sets it: another pipe that
    /// exists and that the caller may read, and a schedule for the mirror to run on.
    static func checkMirror(_ catalog: PipeCatalog, settings: JSONObject, name: String) throws(APIError) {
        guard let value = settings["options"]?["mirror_from"], !value.isNull else { return }
        guard let source = value.stringValue else {
            throw APIError.field("options", "mirror_from must name a pipe, got \(value).")
        }
        guard source != name else { throw APIError.field("options", "Pipe '\(name)' cannot mirror itself.") }
        guard let record = catalog.pipes[source] else {
            throw APIError.field("options", "mirror_from: pipe '\(source)' does not exist.")
        }
        guard catalog.access(record) != nil else {
            throw APIError.detail(403, "mirror_from: you may not read pipe '\(source)'.")
        }
        guard scheduleMinutes(settings) != nil else {
            throw APIError.field("options", "mirror_from needs options.schedule (minutes): the mirror runs on it.")
        }
    }

    /// Copies into the pipe's remote every file of its mirror source that is
    /// new or changed (size or crc) since this mirror last copied it; files
    /// removed at the source stay. Runs as the pipe's owner, who must still
    /// be allowed to read the source. Answers the names copied.
    func mirror(_ pipe: PipeRecord, from sourceName: String) async throws -> [String] {
        guard let scanner else { throw APIError.detail(501, "This server does not reach remotes.") }
        let (catalog, recorded) = try await db.read { db in
            guard
                let owner = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [pipe.ownerID])
                    .map(UserRecord.init)
            else { throw APIError.notFound }
            let rows = try Row.fetchAll(
                db, sql: "SELECT filename, source_crc, source_size FROM mirror_files WHERE pipe_id = ?",
                arguments: [pipe.id])
            let recorded = Dictionary(
                rows.map { ($0["filename"] as String, "\($0["source_crc"] as String) \($0["source_size"] as Int64)") },
                uniquingKeysWith: { first, _ in first })
            return (try PipeCatalog.load(db, caller: owner), recorded)
        }
        guard let source = catalog.pipes[sourceName], catalog.access(source) != nil else {
            throw APIError.detail(
                403, "The owner of pipe '\(pipe.name)' may no longer read its mirror source '\(sourceName)'.")
        }
        let from = try scanner.open(try remoteValues(source, catalog), write: false)
        let to = try scanner.open(try remoteValues(pipe, catalog), write: true)
        try FileManager.default.createDirectory(
            atPath: scanner.stagingFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var copied: [String] = []
        for file in try await from.list().sorted(by: { $0.filename < $1.filename }) {
            if recorded[file.filename] == "\(file.crc) \(file.size)" { continue }
            let staged = scanner.stagingFolder + "/" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: staged) }
            _ = try await from.download(file.filename, to: staged, progress: nil)
            try await to.upload(staged, as: file.filename, progress: nil)
            try await to.flush()
            try await db.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO mirror_files (pipe_id, filename, source_crc, source_size) VALUES (?, ?, ?, ?)
                        ON CONFLICT (pipe_id, filename) DO UPDATE
                            SET source_crc = excluded.source_crc, source_size = excluded.source_size
                        """,
                    arguments: [pipe.id, file.filename, file.crc, file.size])
            }
            copied.append(file.filename)
        }
        return copied
    }

    /// Runs the pipe's mirror and keeps the outcome (time, files copied, error) for `files/`.
    func runMirror(_ pipe: PipeRecord, from source: String, logger: Logger) async {
        var copied: [String] = []
        var failure: String?
        do {
            copied = try await mirror(pipe, from: source)
            if !copied.isEmpty { logger.info("mirror \(source) -> \(pipe.name): copied \(copied.count) files") }
        } catch {
            failure = Self.describe(error)
            logger.warning("mirror \(source) -> \(pipe.name) failed: \(failure ?? "")")
        }
        let count = copied.count
        let error = failure
        do {
            try await db.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO mirrors (pipe_id, source, ran_at, copied, error) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (pipe_id) DO UPDATE SET source = excluded.source, ran_at = excluded.ran_at,
                            copied = excluded.copied, error = excluded.error
                        """,
                    arguments: [pipe.id, source, ServerDatabase.now(), count, error])
            }
        } catch {
            logger.error("recording the mirror run of \(pipe.name): \(error)")
        }
    }

    /// The last mirror run of a pipe, as `files/` shows it; nil when it never ran.
    func mirrorStatus(_ pipeID: Int64) async throws -> JSON? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM mirrors WHERE pipe_id = ?", arguments: [pipeID]).map { row in
                var status: JSONObject = [
                    "from": .string(row["source"] as String), "ran_at": .string(row["ran_at"] as String),
                    "copied": .integer(row["copied"] as Int64),
                ]
                if let error: String = row["error"] { status["error"] = .string(error) }
                return .object(status)
            }
        }
    }

    /// A failure in words a pipe owner can act on (never a credential).
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as APIError: error.message
        case let error as RemoteScanner.Refusal: "\(error.field): \(error.reason)"
        case let error as SettingsError: "\(error.field): \(error.reason)"
        default: "\(error)"
        }
    }
}
