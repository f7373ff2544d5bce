import Foundation
import GRDB
import PipeJSON

extension PipeService {
    /// `POST pipes/<name>/permissions/`: owners and admins grant
    /// `read|write|admin` or `revoke`, to a `username` (`public` for
    /// everyone, read only) or an `email` (the user with that address, or
    /// whoever registers it later), with an optional `expiration_date`.
    func grant(_ caller: UserRecord, name: String, _ body: Body) async throws -> JSON {
        let roleText = try body.required("role")
        let revoke = roleText == "revoke"
        let role = Role(rawValue: roleText)
        guard revoke || role != nil else {
            throw APIError.field("role", "Expected read, write, admin or revoke, got '\(roleText)'.")
        }
        let username = try body.string("username")
        let email = try body.string("email")?.lowercased()
        guard (username == nil) != (email == nil) else {
            throw APIError.badRequest("Give either username or email (one of them).")
        }
        var expiry: Int64? = nil
        if let text = try body.string("expiration_date") { expiry = try Self.parseDate(text) }
        let expires = expiry
        return try await db.write { db in
            let catalog = try PipeCatalog.load(db, caller: caller)
            let (pipe, access) = try Self.find(catalog, name)
            guard access.isAdmin else { throw APIError.forbidden }
            var grantees: [String]
            var shown: JSONObject = [:]
            if let username {
                shown["username"] = .string(username)
                if username == "public" {
                    if let role, role != .read {
                        throw APIError.field("role", "Public access can only be read; '\(role.rawValue)' refused.")
                    }
                    grantees = ["public"]
                } else {
                    guard
                        let row = try Row.fetchOne(
                            db, sql: "SELECT id, email FROM users WHERE username = ?", arguments: [username])
                    else { throw APIError.field("username", "User '\(username)' does not exist.") }
                    grantees = ["user:\(row["id"] as Int64)", "email:\(row["email"] as String)"]
                }
            } else {
                let email = email ?? ""
                guard email.contains("@") else { throw APIError.field("email", "Enter a valid email address.") }
                shown["email"] = .string(email)
                let id = try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE email = ?", arguments: [email])
                grantees = (id.map { ["user:\($0)"] } ?? []) + ["email:\(email)"]
            }
            // One grant per person: a username grant and an email grant replace each other.
            for grantee in grantees {
                try db.execute(
                    sql: "DELETE FROM grants WHERE pipe_id = ? AND grantee = ?", arguments: [pipe.id, grantee])
            }
            if let role {
                try db.execute(
                    sql: "INSERT INTO grants (pipe_id, grantee, role, expires_at) VALUES (?, ?, ?, ?)",
                    arguments: [pipe.id, grantees[0], role.rawValue, expires])
            }
            shown["role"] = .string(roleText)
            shown["expiration_date"] = try body.string("expiration_date").map { .string($0) } ?? .null
            return .object(shown)
        }
    }

    /// `GET pipes/<name>/permissions/`: the pipe's own grants, for owners and admins.
    func listGrants(_ caller: UserRecord, name: String) async throws -> JSON {
        try await db.read { db in
            let catalog = try PipeCatalog.load(db, caller: caller)
            let (pipe, access) = try Self.find(catalog, name)
            guard access.isAdmin else { throw APIError.forbidden }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT grants.*, users.username FROM grants
                    LEFT JOIN users ON grants.grantee = 'user:' || users.id
                    WHERE pipe_id = ? ORDER BY grantee
                    """, arguments: [pipe.id])
            return .array(
                rows.map { row in
                    let grant = GrantRecord(row: row)
                    var out = JSONObject()
                    if grant.grantee == "public" {
                        out["username"] = "public"
                    } else if grant.grantee.hasPrefix("email:") {
                        out["email"] = .string(String(grant.grantee.dropFirst(6)))
                    } else {
                        out["username"] = (row["username"] as String?).map { .string($0) } ?? .null
                    }
                    out["role"] = .string(grant.role.rawValue)
                    out["expiration_date"] =
                        grant.expiresAt.map {
                            .string(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval($0))))
                        } ?? .null
                    out["expired"] = .bool(!grant.isLive(now: catalog.now))
                    return .object(out)
                })
        }
    }

    /// `YYYY-MM-DD` (the grant ends when that day begins, UTC) or an ISO 8601 date-time.
    static func parseDate(_ text: String) throws(APIError) -> Int64 {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return Int64(date.timeIntervalSince1970) }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        if let date = day.date(from: text) { return Int64(date.timeIntervalSince1970) }
        throw APIError.field("expiration_date", "Expected YYYY-MM-DD or an ISO 8601 date-time, got '\(text)'.")
    }
}
