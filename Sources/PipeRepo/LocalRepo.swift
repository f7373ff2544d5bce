import Foundation
import GRDB
import PipeCore
import PipeJSON

/// The repo API in local mode: pipe settings in the profile's SQLite file.
/// No accounts; `parent` is stored but not resolved (as d6tpipe documents).
public struct LocalRepo: Sendable {
    let database: ProfileDatabase

    public init(database: ProfileDatabase) {
        self.database = database
    }

    public func names() throws -> [String] {
        try database.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM pipe ORDER BY name") }
    }

    public func all() throws -> [PipeSettings] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT settings FROM pipe ORDER BY name").map { try Self.decode($0["settings"]) }
        }
    }

    public func get(_ name: String) throws -> PipeSettings? {
        try database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT settings FROM pipe WHERE name = ?", arguments: [name]).map {
                try Self.decode($0["settings"])
            }
        }
    }

    /// Creates the pipe, or merges `values` into the existing one (d6tpipe's
    /// `upsert_pipe`). Returns the stored settings and whether it was created.
    public func upsert(_ values: JSONObject) throws -> (settings: PipeSettings, created: Bool) {
        guard case .string(let name)? = values["name"] else {
            throw SettingsError(field: "name", reason: "required, a string")
        }
        return try database.pool.write { db in
            let now = Date().timeIntervalSince1970
            if let row = try Row.fetchOne(db, sql: "SELECT settings FROM pipe WHERE name = ?", arguments: [name]) {
                let merged = try Self.decode(row["settings"]).merged(with: values)
                try db.execute(
                    sql: "UPDATE pipe SET settings = ?, updated_at = ? WHERE name = ?",
                    arguments: [JSON.object(merged.values).description, now, name])
                return (merged, false)
            }
            let settings = try PipeSettings(values)
            try db.execute(
                sql: "INSERT INTO pipe (name, settings, created_at, updated_at) VALUES (?, ?, ?, ?)",
                arguments: [name, JSON.object(settings.values).description, now, now])
            return (settings, true)
        }
    }

    /// Removes the pipe's settings; returns whether it existed.
    public func delete(_ name: String) throws -> Bool {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM pipe WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    private static func decode(_ text: String) throws -> PipeSettings {
        guard case .object(let values) = try JSON.parse(text) else {
            throw SettingsError(field: "settings", reason: "stored settings are not an object")
        }
        return try PipeSettings(values)
    }
}
