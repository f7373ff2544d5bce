import PipeCore
import PipeJSON
import PipeRemotes

/// The repo API in server mode: pipe settings on a `datapipe serve` server
/// (protocol/rest.md), reached as the profile's user. Credentials stay on the
/// server; transfers fetch them per role.
public struct ServerRepo: PipeRepository {
    public let client: ServerClient

    public init(client: ServerClient) {
        self.client = client
    }

    public func all() async throws -> [PipeSettings] {
        guard case .array(let pipes) = try await client.send("GET", "pipes/") else {
            throw malformed("pipes/", "a list of pipes")
        }
        return try pipes.map { try settings($0, path: "pipes/") }
    }

    public func get(_ name: String) async throws -> PipeSettings? {
        let path = Self.pipePath(name)
        do {
            return try settings(try await client.send("GET", path), path: path)
        } catch let error as ServerRepoError where error.kind == .notFound {
            return nil
        }
    }

    /// GET, then PATCH when it exists or POST when not (d6tpipe's `upsert_pipe`).
    public func upsert(_ values: JSONObject) async throws -> (settings: PipeSettings, created: Bool) {
        guard case .string(let name)? = values["name"] else {
            throw SettingsError(field: "name", reason: "required, a string")
        }
        if try await get(name) != nil {
            let path = Self.pipePath(name)
            return (try settings(try await client.send("PATCH", path, body: values), path: path), false)
        }
        return (try await create(values), true)
    }

    /// `POST pipes/`: a new pipe owned by the caller (a taken name is refused).
    public func create(_ values: JSONObject) async throws -> PipeSettings {
        try settings(try await client.send("POST", "pipes/", body: values), path: "pipes/")
    }

    public func delete(_ name: String) async throws -> Bool {
        do {
            _ = try await client.send("DELETE", Self.pipePath(name))
            return true
        } catch let error as ServerRepoError where error.kind == .notFound {
            return false
        }
    }

    /// Merges the server's read credentials, and its write credentials when
    /// the caller's role is `write`, into `settings` as `{read, write}`.
    public func withCredentials(_ settings: PipeSettings) async throws -> PipeSettings {
        var credentials: JSONObject = ["read": .object(try await credentials(settings.name, role: "read"))]
        if settings.canWrite {
            credentials["write"] = .object(try await self.credentials(settings.name, role: "write"))
        }
        return try settings.merged(with: ["credentials": .object(credentials)])
    }

    /// `GET pipes/<name>/credentials/?role=read|write`.
    public func credentials(_ name: String, role: String) async throws -> JSONObject {
        let path = Self.pipePath(name) + "credentials/?role=" + role
        guard case .object(let keys) = try await client.send("GET", path) else {
            throw malformed(path, "an object of credentials")
        }
        return keys
    }

    /// `GET pipes/<name>/credentials/?role=…&renew=true`: new keys for a
    /// managed pipe (other pipes answer their stored ones); when they expire,
    /// nil for keys that do not.
    public func renewCredentials(_ name: String, role: String) async throws -> String? {
        let path = Self.pipePath(name) + "credentials/?role=" + role + "&renew=true"
        var expires: String?
        _ = try await client.send("GET", path, headers: { expires = $0["x-credentials-expiration"] })
        return expires
    }

    /// `POST pipes/<name>/permissions/`: grants (or with role `revoke`
    /// removes) access for a username or an email address.
    public func setPermission(_ name: String, grant: JSONObject) async throws -> JSON {
        try await client.send("POST", Self.pipePath(name) + "permissions/", body: grant)
    }

    /// `GET pipes/<name>/permissions/`: the pipe's own grants (owners and admins).
    public func permissions(_ name: String) async throws -> [JSON] {
        let path = Self.pipePath(name) + "permissions/"
        guard case .array(let grants) = try await client.send("GET", path) else {
            throw malformed(path, "a list of grants")
        }
        return grants
    }

    /// `GET pipes/<name>/files/`: the listing the server keeps of the pipe's
    /// remote (taken by the server with the pipe's stored credentials).
    public func listing(_ name: String, refresh: Bool = false) async throws -> ServerListing {
        let path = Self.pipePath(name) + "files/" + (refresh ? "?refresh=true" : "")
        let answer = try await client.send("GET", path)
        guard let entries = answer["files"]?.arrayValue, let cursor = answer["cursor"]?.integerValue else {
            throw malformed(path, "an object with files and cursor")
        }
        var files: [RemoteFile] = []
        for entry in entries {
            guard let file = RemoteFile(attributes: entry) else {
                throw malformed(path, "files as {filename, modified_at, size, crc}")
            }
            files.append(file)
        }
        return ServerListing(files: files, scannedAt: answer["scanned_at"]?.stringValue, cursor: cursor)
    }

    /// `GET pipes/<name>/changes/?since=…`: what the server's scans found
    /// changed after `since` (a cursor, or `latest` for none, only the newest cursor).
    public func changes(_ name: String, since: String) async throws -> ServerChanges {
        let path = Self.pipePath(name) + "changes/?since=" + since
        let answer = try await client.send("GET", path)
        guard let changes = answer["changes"]?.arrayValue, let cursor = answer["cursor"]?.integerValue else {
            throw malformed(path, "an object with changes and cursor")
        }
        return ServerChanges(changes: changes, cursor: cursor, more: answer["more"]?.boolValue ?? false)
    }

    /// `DELETE accounts/<username>/`: removes the caller's own account.
    public func unregister(_ username: String) async throws {
        _ = try await client.send("DELETE", "accounts/" + username.addingPathEscapes() + "/")
    }

    /// `GET /v1/api/`: the username the token belongs to (nil when anonymous).
    public func whoami() async throws -> String? {
        try await client.send("GET", "").objectValue?["username"]?.stringValue
    }

    static func pipePath(_ name: String) -> String {
        "pipes/" + (name.addingPathEscapes()) + "/"
    }

    private func settings(_ answer: JSON, path: String) throws -> PipeSettings {
        guard case .object(let values) = answer else { throw malformed(path, "a pipe object") }
        return try PipeSettings(values)
    }

    private func malformed(_ path: String, _ expected: String) -> ServerRepoError {
        ServerRepoError(kind: .server, server: client.server, path: path, status: 200, reason: "expected \(expected)")
    }
}

/// Account calls, which need no token.
extension ServerClient {
    /// `POST accounts/`: registers the user and returns its token.
    public func register(username: String, email: String, password: String) async throws -> String {
        let answer = try await send(
            "POST", "accounts/",
            body: ["username": .string(username), "email": .string(email), "password": .string(password)])
        return try token(in: answer, path: "accounts/")
    }

    /// `POST accounts/token/`: the user's existing token (d6tpipe's `forgotToken`).
    public func login(username: String, password: String) async throws -> String {
        let answer = try await send(
            "POST", "accounts/token/", body: ["username": .string(username), "password": .string(password)])
        return try token(in: answer, path: "accounts/token/")
    }

    private func token(in answer: JSON, path: String) throws -> String {
        guard let token = answer.objectValue?["token"]?.stringValue else {
            throw ServerRepoError(
                kind: .server, server: server, path: path, status: 200, reason: "no token in the answer")
        }
        return token
    }
}

extension String {
    /// Percent-escapes everything but unreserved characters (RFC 3986).
    func addingPathEscapes() -> String {
        var escaped = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                escaped.unicodeScalars.append("%")
                escaped.unicodeScalars.append(hex[Int(byte >> 4)])
                escaped.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return escaped
    }
}

/// A pipe's remote listing as the repo server keeps it.
public struct ServerListing: Sendable {
    public var files: [RemoteFile]
    /// When the server took it (ISO 8601).
    public var scannedAt: String?
    /// The server's newest change of the pipe.
    public var cursor: Int64
}

/// One page of a pipe's changes: `{seq, at, filename, change, size, crc}` objects, oldest first.
public struct ServerChanges: Sendable {
    public var changes: [JSON]
    public var cursor: Int64
    /// More changes wait after `cursor`.
    public var more: Bool
}
