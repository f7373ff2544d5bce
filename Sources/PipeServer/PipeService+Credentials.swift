import Foundation
import GRDB
import PipeJSON

extension PipeService {
    /// Keys a stored credential set may hold: what boto3 accepts, and FTP's login.
    static let credentialKeys: Set<String> = [
        "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "username", "password",
    ]

    /// `credentials` as users write them — one set, `{read, write}`, or
    /// d6tpipe's `key`/`secret` spelling — as `{"read": {…}, "write": {…}}`;
    /// nil when the body sets them to null (removed).
    static func normalizeCredentials(_ value: JSON) throws(APIError) -> JSON? {
        if value.isNull { return nil }
        guard let object = value.objectValue else { throw APIError.field("credentials", "Expected an object.") }
        if object["read"] != nil || object["write"] != nil {
            var read: JSONObject? = nil
            var write: JSONObject? = nil
            if let value = object["read"] { read = try normalizeSet(value) }
            if let value = object["write"] { write = try normalizeSet(value) }
            var out = JSONObject()
            if let read = read ?? write { out["read"] = .object(read) }
            if let write { out["write"] = .object(write) }
            return .object(out)
        }
        let both = try normalizeSet(value)
        return .object(["read": .object(both), "write": .object(both)])
    }

    private static func normalizeSet(_ value: JSON) throws(APIError) -> JSONObject {
        guard let object = value.objectValue else { throw APIError.field("credentials", "Expected an object.") }
        var out = JSONObject()
        for (key, member) in object {
            let name = key == "key" ? "aws_access_key_id" : key == "secret" ? "aws_secret_access_key" : key
            guard credentialKeys.contains(name) else {
                throw APIError.field(
                    "credentials",
                    "Unknown key '\(key)': expected \(credentialKeys.sorted().joined(separator: ", ")) (or key/secret)."
                )
            }
            guard let text = member.stringValue else {
                throw APIError.field("credentials", "'\(key)' must be a string.")
            }
            out[name] = .string(text)
        }
        return out
    }

    /// `GET pipes/<name>/credentials/?role=read|write`: the nearest stored
    /// credentials up the parent chain, opened, for a caller with that role.
    /// Only boto3-acceptable keys (or FTP's username/password) are answered.
    func credentials(_ caller: UserRecord, name: String, role: String) async throws -> JSON {
        guard role == "read" || role == "write" else {
            throw APIError.field("role", "Expected read or write, got '\(role)'.")
        }
        let catalog = try await readCatalog(caller)
        let (pipe, access) = try Self.find(catalog, name)
        if role == "write" && !access.canWrite {
            throw APIError.detail(403, "Your role on pipe '\(name)' is read: no write credentials.")
        }
        let stored = try storedCredentials(catalog, pipe)
        return stored?[role]?.objectValue.map { .object($0.filter { Self.credentialKeys.contains($0.key) }) }
            ?? .object([:])
    }

    /// The nearest credentials up the parent chain, opened: `{read, write}`; nil when none are stored.
    func storedCredentials(_ catalog: PipeCatalog, _ pipe: PipeRecord) throws -> JSON? {
        guard let holder = catalog.chain(pipe).first(where: { $0.credentialsSealed != nil }),
            let sealed = holder.credentialsSealed
        else { return nil }
        return try JSON.parse(try key.open(sealed, context: "credentials:\(holder.name)"))
    }
}
