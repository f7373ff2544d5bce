import Foundation
import GRDB
import PipeJSON
import PipeRemotes

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

    /// `GET pipes/<name>/credentials/?role=read|write[&renew=true]`, for a
    /// caller with that role: for a managed pipe, temporary keys scoped to its
    /// folder (renewed on `renew` or near expiry) and when they expire; else
    /// the nearest stored credentials up the parent chain, opened. Only
    /// boto3-acceptable keys (or FTP's username/password) are answered.
    func credentials(_ caller: UserRecord, name: String, role: String, renew: Bool = false) async throws -> (
        keys: JSON, expires: String?
    ) {
        guard role == "read" || role == "write" else {
            throw APIError.field("role", "Expected read or write, got '\(role)'.")
        }
        let catalog = try await readCatalog(caller)
        let (pipe, access) = try Self.find(catalog, name)
        if role == "write" && !access.canWrite {
            throw APIError.detail(403, "Your role on pipe '\(name)' is read: no write credentials.")
        }
        if let issued = try await managedCredentials(catalog, pipe, role: role, renew: renew) { return issued }
        let stored = try storedCredentials(catalog, pipe)
        let keys = stored?[role]?.objectValue.map { JSON.object($0.filter { Self.credentialKeys.contains($0.key) }) }
        return (keys ?? .object([:]), nil)
    }

    /// Keys issued less than this long before they expire are renewed.
    static let renewalMargin = 300.0

    /// For a pipe under a managed root: keys from STS scoped to the pipe's
    /// folder, kept sealed until `renewalMargin` before they expire; nil for other pipes.
    private func managedCredentials(_ catalog: PipeCatalog, _ pipe: PipeRecord, role: String, renew: Bool)
        async throws -> (keys: JSON, expires: String?)?
    {
        let chain = catalog.chain(pipe)
        guard let managed, let root = chain.last, root.settings["managed"]?.boolValue == true else { return nil }
        let context = "issued:\(pipe.id):\(role)"
        let now = Date().timeIntervalSince1970
        if !renew,
            let row = try readNow({ db in
                try Row.fetchOne(
                    db, sql: "SELECT sealed, expires_epoch FROM issued_credentials WHERE pipe_id = ? AND role = ?",
                    arguments: [pipe.id, role])
            }), (row["expires_epoch"] as Double) - now > Self.renewalMargin
        {
            let kept = try JSON.parse(try key.open([UInt8](row["sealed"] as Data), context: context))
            return Self.issuedAnswer(kept)
        }
        let dirs = chain.dropLast().reversed().compactMap { $0.settings["options"]?["dir"]?.stringValue }
        let prefix = managed.keyPrefix(owner: root.ownerName, name: root.name, dirs: dirs)
        let sts = STSClient(endpoint: managed.endpoint, region: managed.region, credentials: managed.credentials)
        let issued: TemporaryCredentials
        do {
            issued = try await sts.assumeRole(
                roleARN: managed.roleARN, sessionName: "datapipe-\(pipe.id)-\(role)",
                policy: managed.policy(role: role, keyPrefix: prefix), seconds: managed.lifetime)
        } catch let error as RemoteError {
            throw APIError.detail(502, "Issuing \(role) credentials for pipe '\(pipe.name)' failed: \(error)")
        }
        let expires = ISO8601.seconds(issued.expiration) ?? now + Double(managed.lifetime)
        let kept: JSON = [
            "aws_access_key_id": .string(issued.accessKeyID), "aws_secret_access_key": .string(issued.secretAccessKey),
            "aws_session_token": .string(issued.sessionToken),
            "expires": .string(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: expires))),
        ]
        let sealed = try key.seal(kept.serialized(), context: context)
        try await db.write { db in
            try db.execute(
                sql: """
                    INSERT INTO issued_credentials (pipe_id, role, sealed, expires_epoch) VALUES (?, ?, ?, ?)
                    ON CONFLICT (pipe_id, role) DO UPDATE SET sealed = excluded.sealed, expires_epoch = excluded.expires_epoch
                    """,
                arguments: [pipe.id, role, Data(sealed), expires])
        }
        return Self.issuedAnswer(kept)
    }

    /// The keys boto3 takes, and the expiry apart (it goes in a header).
    private static func issuedAnswer(_ kept: JSON) -> (keys: JSON, expires: String?) {
        let keys = (kept.objectValue ?? [:]).filter { credentialKeys.contains($0.key) }
        return (.object(keys), kept["expires"]?.stringValue)
    }

    /// The nearest credentials up the parent chain, opened: `{read, write}`; nil when none are stored.
    func storedCredentials(_ catalog: PipeCatalog, _ pipe: PipeRecord) throws -> JSON? {
        guard let holder = catalog.chain(pipe).first(where: { $0.credentialsSealed != nil }),
            let sealed = holder.credentialsSealed
        else { return nil }
        return try JSON.parse(try key.open(sealed, context: "credentials:\(holder.name)"))
    }
}
