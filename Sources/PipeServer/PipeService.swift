import Foundation
import GRDB
import PipeJSON

/// The repo API's logic, free of HTTP: accounts, pipes, grants and
/// credentials over the server's SQLite file. Each call answers a status and
/// a JSON body or throws an `APIError`.
final class PipeService: Sendable {
    let db: DatabasePool
    let key: ServerKey
    let throttle: LoginThrottle
    let scrypt: ServerCrypto.ScryptParameters
    /// Demo-style accounts: they cannot register pipes and read at most.
    let readOnlyAccounts: Set<String>
    /// Lists remotes for the cached listings and schedules; nil: this server scans nothing.
    let scanner: RemoteScanner?
    /// The bucket of managed pipes; nil: every pipe names its own storage.
    let managed: ManagedStorage?
    let catalogCache = CatalogCache()

    init(
        db: DatabasePool, key: ServerKey, scrypt: ServerCrypto.ScryptParameters = .init(),
        readOnlyAccounts: Set<String> = [], scanner: RemoteScanner? = nil, managed: ManagedStorage? = nil
    ) {
        self.scanner = scanner
        self.managed = managed
        self.db = db
        self.key = key
        self.throttle = LoginThrottle()
        self.scrypt = scrypt
        self.readOnlyAccounts = readOnlyAccounts
    }

    /// The account whose token is `token` (looked up by its SHA-256, then
    /// compared in constant time), or 401.
    func authenticate(token: String) async throws -> UserRecord {
        let hash = ServerCrypto.sha256Hex(token)
        let user = try readNow { db in try catalogCache.snapshot(db).users[hash] }
        guard var user, ServerCrypto.constantTimeEqual(Array(user.tokenHash.utf8), Array(hash.utf8)) else {
            throw APIError.invalidToken
        }
        if readOnlyAccounts.contains(user.username) { user.readOnly = true }
        return user
    }

    /// The pipes and grants as `caller` sees them, from the catalog cache.
    func readCatalog(_ caller: UserRecord) async throws -> PipeCatalog {
        try readNow { db in PipeCatalog(snapshot: try catalogCache.snapshot(db), caller: caller) }
    }

    /// A short read on the calling thread. GRDB's async reads hop to its own
    /// queue and back, which cost more than the read itself on the hot paths
    /// (authentication, the catalog): bench/server measured it. WAL readers
    /// never wait for writers, so the thread is held only for the query.
    func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        try db.read(body)
    }

    func whoami(_ caller: UserRecord?) -> JSON {
        .object(["username": caller.map { .string($0.username) } ?? .null])
    }
}

/// A request body's members, with typed reads that answer 400 naming the field.
struct Body {
    var object: JSONObject

    init(_ json: JSON?) throws(APIError) {
        guard let json else {
            object = JSONObject()
            return
        }
        guard let object = json.objectValue else { throw APIError.badRequest("Expected a JSON object as the body.") }
        self.object = object
    }

    func string(_ name: String) throws(APIError) -> String? {
        guard let value = object[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw APIError.field(name, "Expected a string.") }
        return text
    }

    func required(_ name: String) throws(APIError) -> String {
        guard let text = try string(name), !text.isEmpty else {
            throw APIError.field(name, "This field is required.")
        }
        return text
    }
}
