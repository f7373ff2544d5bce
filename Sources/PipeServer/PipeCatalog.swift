import Foundation
import GRDB
import PipeJSON
import Synchronization

/// What one caller may do with one pipe.
struct Access: Sendable {
    /// The strongest live grant (owners of the pipe or of an ancestor: admin).
    var role: Role
    var isOwner: Bool

    var canWrite: Bool { role >= .write }
    var isAdmin: Bool { role == .admin }
    /// What d6tpipe reads as `role`: `read` or `write` (admins and owners write).
    var wireRole: String { canWrite ? "write" : "read" }
}

/// Every pipe and the grants that concern one caller, read in one
/// transaction: inheritance and access are worked out from it.
struct PipeCatalog: Sendable {
    var pipes: [String: PipeRecord]
    var grants: [Int64: [GrantRecord]]
    var caller: UserRecord
    var now: Int64

    /// The catalog read from the database (in a write: its own changes included).
    static func load(_ db: Database, caller: UserRecord) throws -> PipeCatalog {
        let grants = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM grants WHERE grantee IN (?, 'public')"),
            arguments: ["user:\(caller.id)"]
        ).map(GrantRecord.init)
        return PipeCatalog(pipes: try fetchPipes(db), grants: grants, caller: caller)
    }

    /// The catalog from a snapshot of the whole (cached) catalog.
    init(snapshot: CatalogSnapshot, caller: UserRecord) {
        self.init(
            pipes: snapshot.pipes,
            grants: (snapshot.grants["user:\(caller.id)"] ?? []) + (snapshot.grants["public"] ?? []), caller: caller)
    }

    private init(pipes: [String: PipeRecord], grants: [GrantRecord], caller: UserRecord) {
        self.pipes = pipes
        self.grants = Dictionary(grouping: grants, by: \.pipeID)
        self.caller = caller
        self.now = Int64(Date().timeIntervalSince1970)
    }

    /// Every pipe, parsed, by name.
    static func fetchPipes(_ db: Database) throws -> [String: PipeRecord] {
        let pipes = try Row.fetchAll(db, sql: ServerDatabase.pipeColumns).map(PipeRecord.init)
        return Dictionary(pipes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The pipe, then its parent, up to the root (a cycle or a missing parent ends the chain).
    func chain(_ pipe: PipeRecord) -> [PipeRecord] {
        var out = [pipe]
        var seen: Set<String> = [pipe.name]
        var current = pipe
        while let parentName = current.parent, let parent = pipes[parentName], !seen.contains(parentName) {
            out.append(parent)
            seen.insert(parentName)
            current = parent
        }
        return out
    }

    /// The caller's access: ownership or live grants on the pipe or any
    /// ancestor (a grant on a parent covers its children, not the reverse).
    func access(_ pipe: PipeRecord) -> Access? { access(chain: chain(pipe)) }

    /// The access a caller has to the first pipe of `chain` (the pipe, then its ancestors).
    func access(chain links: [PipeRecord]) -> Access? {
        var best: Role?
        var isOwner = false
        for (depth, link) in links.enumerated() {
            if link.ownerID == caller.id {
                if depth == 0 { isOwner = true }
                best = .admin
                break
            }
            for grant in grants[link.id] ?? [] where grant.isLive(now: now) {
                let role = grant.grantee == "public" ? Role.read : grant.role
                best = max(best ?? role, role)
            }
        }
        if caller.readOnly, let role = best { best = min(role, .read) }
        return best.map { Access(role: $0, isOwner: isOwner && !caller.readOnly) }
    }

    /// Settings merged down the chain (the child wins; `options` merged key
    /// by key), `options.remotepath` computed from the ancestors' location or
    /// remotepath plus each level's `dir`.
    func resolved(_ pipe: PipeRecord) -> JSONObject { resolved(chain: chain(pipe)) }

    private func resolved(chain: [PipeRecord]) -> JSONObject {
        guard let pipe = chain.first else { return JSONObject() }
        let links = Array(chain.reversed())
        var merged = JSONObject()
        var options = JSONObject()
        var remotepath: String?
        for link in links {
            for (key, value) in link.settings where key != "options" { merged[key] = value }
            let own = link.settings["options"]?.objectValue ?? JSONObject()
            for (key, value) in own where key != "dir" && key != "remotepath" { options[key] = value }
            let protocolName = merged["protocol"]?.stringValue ?? ""
            if let explicit = own["remotepath"]?.stringValue {
                remotepath = explicit
            } else if remotepath == nil {
                remotepath = Self.rootPath(protocol: protocolName, location: merged["location"]?.stringValue)
            }
            if let dir = own["dir"]?.stringValue, !dir.isEmpty, let base = remotepath {
                remotepath = Self.join(base, dir)
            }
        }
        if let dir = pipe.settings["options"]?.objectValue?["dir"] { options["dir"] = dir }
        if let remotepath { options["remotepath"] = .string(remotepath) }
        merged["options"] = .object(options)
        return merged
    }

    static func rootPath(protocol protocolName: String, location: String?) -> String? {
        switch protocolName {
        case "s3":
            guard let location, !location.isEmpty else { return nil }
            if location.hasPrefix("s3://") { return location.hasSuffix("/") ? location : location + "/" }
            return "s3://\(location.trimmingCharacters(in: CharacterSet(charactersIn: "/")))/"
        case "ftp", "sftp": return "/"
        default: return location
        }
    }

    static func join(_ base: String, _ dir: String) -> String {
        let trimmed = dir.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return (base.hasSuffix("/") ? base : base + "/") + trimmed + "/"
    }

    /// A pipe as its GET answers it: resolved settings, `parent`,
    /// `parent-ultimate`, the caller's `role`; never credentials.
    func describe(_ pipe: PipeRecord, access: Access) -> JSON { describe(chain: chain(pipe), access: access) }

    /// `describe` of the first pipe of `chain` (the pipe, then its ancestors).
    func describe(chain links: [PipeRecord], access: Access) -> JSON {
        let pipe = links[0]
        var out = JSONObject()
        out["name"] = .string(pipe.name)
        for (key, value) in resolved(chain: links) { out[key] = value }
        out["owner"] = .string(pipe.ownerName)
        out["parent"] = pipe.parent.map { .string($0) } ?? .null
        out["parent-ultimate"] = .string(links.last?.name ?? pipe.name)
        out["role"] = .string(access.wireRole)
        out["admin"] = .bool(access.isAdmin)
        out["has_credentials"] = .bool(links.contains { $0.credentialsSealed != nil })
        out["created_at"] = .string(pipe.createdAt)
        out["updated_at"] = .string(pipe.updatedAt)
        return .object(out)
    }
}

/// Users, pipes and grants as the database held them at one generation.
struct CatalogSnapshot: Sendable {
    var generation: Int64
    var pipes: [String: PipeRecord]
    /// By the SHA-256 (hex) of their token.
    var users: [String: UserRecord]
    /// By grantee (`user:<id>`, `email:<address>`, `public`).
    var grants: [String: [GrantRecord]]
}

/// The whole catalog (users, pipes, grants) parsed once and kept while the
/// database's catalog generation stays the same. Triggers bump it on every
/// change to those tables, by any process on the file, in the same
/// transaction; so a request costs one small query instead of a lookup and
/// a parse per table. Read transactions only: a write's own changes could
/// still roll back.
final class CatalogCache: Sendable {
    private let state = Mutex<CatalogSnapshot?>(nil)

    func snapshot(_ db: Database) throws -> CatalogSnapshot {
        let generation =
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'pipes_generation'")) ?? -1
        if let cached = state.withLock({ $0 }), cached.generation == generation { return cached }
        let users = try Row.fetchAll(db, sql: "SELECT * FROM users").map(UserRecord.init)
        let grants = try Row.fetchAll(db, sql: "SELECT * FROM grants").map(GrantRecord.init)
        let snapshot = CatalogSnapshot(
            generation: generation, pipes: try PipeCatalog.fetchPipes(db),
            users: Dictionary(users.map { ($0.tokenHash, $0) }, uniquingKeysWith: { first, _ in first }),
            grants: Dictionary(grouping: grants, by: \.grantee))
        state.withLock { $0 = snapshot }
        return snapshot
    }
}
