import Foundation
import GRDB
import PipeJSON

extension PipeService {
    /// `POST accounts/`: a new account and its token. Pending email grants
    /// for its address become grants to the new user.
    func register(_ body: Body) async throws -> JSON {
        let username = try body.required("username")
        let email = try body.required("email").lowercased()
        let password = try body.required("password")
        guard username.count <= 150,
            username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "@.+-_".contains($0)) })
        else {
            throw APIError.field(
                "username", "Enter a valid username: letters, digits and @/./+/-/_ only (150 at most).")
        }
        guard username.lowercased() != "public" else {
            throw APIError.field("username", "The username '\(username)' is reserved; pick another.")
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
            throw APIError.field("email", "Enter a valid email address.")
        }
        let passwordHash = try ServerCrypto.hashPassword(password, parameters: scrypt)
        let token = ServerCrypto.hex(try ServerCrypto.randomBytes(32))
        let sealed = try key.seal(Array(token.utf8), context: "token")
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE username = ?", arguments: [username]) == true {
                throw APIError.field("username", "This field must be unique: the username is taken.")
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE email = ?", arguments: [email]) == true {
                throw APIError.field("email", "This field must be unique: the email is already registered.")
            }
            try db.execute(
                sql: """
                    INSERT INTO users (username, email, password_hash, token_hash, token_sealed, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    username, email, passwordHash, ServerCrypto.sha256Hex(token), Data(sealed), ServerDatabase.now(),
                ])
            let id = db.lastInsertedRowID
            try db.execute(
                sql: "UPDATE OR REPLACE grants SET grantee = ? WHERE grantee = ?",
                arguments: ["user:\(id)", "email:\(email)"])
        }
        return .object(["username": .string(username), "email": .string(email), "token": .string(token)])
    }

    /// `POST accounts/token/`: the account's existing token (d6tpipe's
    /// `forgotToken`: retrieved, not rotated). Failures are throttled per username.
    func token(_ body: Body) async throws -> JSON {
        let username = try body.required("username")
        let password = try body.required("password")
        if let seconds = await throttle.lockRemaining(username) {
            throw APIError.detail(429, "Too many failed logins for '\(username)'; try again in \(seconds) s.")
        }
        let user = try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE username = ?", arguments: [username]).map(
                UserRecord.init)
        }
        let matches: Bool
        if let user {
            matches = try ServerCrypto.verifyPassword(password, stored: user.passwordHash)
        } else {
            // Spend the same work for an unknown name, so timing does not tell them apart.
            _ = try ServerCrypto.hashPassword(password, parameters: scrypt)
            matches = false
        }
        guard let user, matches else {
            await throttle.recordFailure(username)
            throw APIError(
                status: 400, body: .object(["non_field_errors": ["Unable to log in with provided credentials."]]))
        }
        await throttle.recordSuccess(username)
        let token = try key.open(user.tokenSealed, context: "token")
        return .object(["token": .string(String(decoding: token, as: UTF8.self))])
    }

    /// `DELETE accounts/<username>/`: only your own account; its pipes and grants go with it.
    func unregister(_ caller: UserRecord, username: String) async throws {
        guard caller.username == username else {
            throw APIError.detail(403, "You can only unregister yourself.")
        }
        try await db.write { db in
            try db.execute(sql: "DELETE FROM grants WHERE grantee = ?", arguments: ["user:\(caller.id)"])
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [caller.id])
        }
    }
}
