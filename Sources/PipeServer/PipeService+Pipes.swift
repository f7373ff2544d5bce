import Foundation
import GRDB
import PipeJSON

extension PipeService {
    /// Keys the server computes or keeps apart: never stored as settings.
    static let computedKeys: Set<String> = [
        "name", "parent", "credentials", "role", "admin", "owner", "parent-ultimate", "has_credentials",
        "created_at", "updated_at", "managed",
    ]
    /// What d6tpipe users write to ask for a managed pipe (or give no protocol at all).
    static let managedProtocols: Set<String> = ["d6tfree", "managed"]
    static let protocols: Set<String> = ["s3", "ftp", "sftp", "file"]

    /// `GET pipes/`: every pipe the caller owns, is granted (directly or
    /// through an ancestor), or that is public.
    func listPipes(_ caller: UserRecord) async throws -> JSON {
        let catalog = try await readCatalog(caller)
        let visible = catalog.pipes.values.sorted { $0.name < $1.name }.compactMap { pipe -> JSON? in
            let chain = catalog.chain(pipe)
            return catalog.access(chain: chain).map { catalog.describe(chain: chain, access: $0) }
        }
        return .array(visible)
    }

    /// `GET pipes/<name>/`: 404 when there is no such pipe, 403 when the caller may not see it.
    func getPipe(_ caller: UserRecord, name: String) async throws -> JSON {
        let catalog = try await readCatalog(caller)
        let (pipe, access) = try Self.find(catalog, name)
        return catalog.describe(pipe, access: access)
    }

    /// `POST pipes/`: a new pipe owned by the caller (201).
    func createPipe(_ caller: UserRecord, _ body: Body) async throws -> JSON {
        guard !caller.readOnly else { throw APIError.detail(403, "Read-only accounts cannot register pipes.") }
        let name = try body.required("name")
        try Self.validateName(name)
        let parent = try body.string("parent")
        let protocolName = try body.string("protocol")
        let managedRequest = parent == nil && (protocolName.map(Self.managedProtocols.contains) ?? true)
        var incoming = body.object
        if managedRequest {
            guard managed != nil else {
                throw APIError.field(
                    "protocol",
                    "This field is required: this server has no managed storage (datapipe serve --managed-storage).")
            }
            // Before the checks, which want the protocol the server gives it.
            try makeManaged(&incoming, owner: caller.username, name: name, credentials: body.object["credentials"])
        }
        var requested = try Self.settings(from: incoming, parent: parent, merging: nil)
        if managedRequest { requested["managed"] = true }  // a computed key: the checks dropped it
        let sealed = try sealCredentials(body, name: name) ?? nil
        return try await db.write { [requested] db in
            var settings = requested
            var catalog = try PipeCatalog.load(db, caller: caller)
            guard catalog.pipes[name] == nil else {
                throw APIError.field("name", "A pipe named '\(name)' exists already: pipe names must be unique.")
            }
            try Self.checkParent(catalog, parent, child: name)
            try Self.keepManaged(&settings, catalog: catalog, parent: parent, credentials: body.object["credentials"])
            try Self.checkMirror(catalog, settings: settings, name: name)
            let now = ServerDatabase.now()
            try db.execute(
                sql: """
                    INSERT INTO pipes (name, owner_id, parent, settings, credentials_sealed, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    name, caller.id, parent, String(describing: JSON.object(settings)), sealed.map { Data($0) }, now,
                    now,
                ])
            catalog = try PipeCatalog.load(db, caller: caller)
            let (pipe, access) = try Self.find(catalog, name)
            return catalog.describe(pipe, access: access)
        }
    }

    /// `PUT`/`PATCH pipes/<name>/`: owners and admins. PUT replaces the
    /// settings, PATCH merges them (`options` key by key, null removes);
    /// credentials change only when given.
    func updatePipe(_ caller: UserRecord, name: String, _ body: Body, replace: Bool) async throws -> JSON {
        if let newName = try body.string("name"), newName != name {
            throw APIError.field("name", "Pipes cannot be renamed (asked '\(name)' → '\(newName)').")
        }
        let sealed = try sealCredentials(body, name: name)
        return try await db.write { db in
            var catalog = try PipeCatalog.load(db, caller: caller)
            let (pipe, access) = try Self.find(catalog, name)
            guard access.isAdmin else { throw APIError.forbidden }
            let parent = body.object["parent"] == nil ? pipe.parent : try body.string("parent")
            var incoming = body.object
            if let computed = catalog.resolved(pipe)["options"]?["remotepath"],
                incoming["options"]?["remotepath"] == computed, var options = incoming["options"]?.objectValue
            {
                options["remotepath"] = nil  // the GET answer sent back: keep it computed
                incoming["options"] = .object(options)
            }
            var settings = try Self.settings(from: incoming, parent: parent, merging: replace ? nil : pipe.settings)
            if parent != pipe.parent { try Self.checkParent(catalog, parent, child: name) }
            if pipe.settings["managed"]?.boolValue == true, managed != nil {
                try makeManaged(&settings, owner: pipe.ownerName, name: name, credentials: body.object["credentials"])
            } else {
                try Self.keepManaged(
                    &settings, catalog: catalog, parent: parent, credentials: body.object["credentials"])
            }
            if Self.mirrorSource(settings) != Self.mirrorSource(pipe.settings)
                || Self.scheduleMinutes(settings) != Self.scheduleMinutes(pipe.settings)
            {
                try Self.checkMirror(catalog, settings: settings, name: name)
            }
            try db.execute(
                sql: "UPDATE pipes SET parent = ?, settings = ?, updated_at = ? WHERE id = ?",
                arguments: [parent, String(describing: JSON.object(settings)), ServerDatabase.now(), pipe.id])
            if let sealed {
                try db.execute(
                    sql: "UPDATE pipes SET credentials_sealed = ? WHERE id = ?",
                    arguments: [sealed.map { Data($0) }, pipe.id])
            }
            catalog = try PipeCatalog.load(db, caller: caller)
            let (updated, newAccess) = try Self.find(catalog, name)
            return catalog.describe(updated, access: newAccess)
        }
    }

    /// `DELETE pipes/<name>/`: the owner only; a pipe with children stays.
    func deletePipe(_ caller: UserRecord, name: String) async throws {
        try await db.write { db in
            let catalog = try PipeCatalog.load(db, caller: caller)
            let (pipe, access) = try Self.find(catalog, name)
            guard access.isOwner else { throw APIError.forbidden }
            let children = catalog.pipes.values.filter { $0.parent == name }.map(\.name).sorted()
            guard children.isEmpty else {
                throw APIError.badRequest(
                    "Pipe '\(name)' has child pipes (\(children.joined(separator: ", "))); delete them first.")
            }
            try db.execute(sql: "DELETE FROM pipes WHERE id = ?", arguments: [pipe.id])
        }
    }

    /// The body's `credentials`, normalized and sealed: nil when absent
    /// (keep what is stored), `.some(nil)` when null (remove them).
    func sealCredentials(_ body: Body, name: String) throws -> [UInt8]?? {
        guard let value = body.object["credentials"] else { return nil }
        guard let normalized = try Self.normalizeCredentials(value) else { return .some(nil) }
        return .some(try key.seal(normalized.serialized(), context: "credentials:\(name)"))
    }

    // MARK: managed pipes

    /// Makes `settings` a managed pipe's: the server's storage for
    /// `<owner>/<name>/` written over the user's, and the `managed` mark.
    /// Credentials in the body are refused: the server issues the keys.
    func makeManaged(_ settings: inout JSONObject, owner: String, name: String, credentials: JSON?) throws(APIError) {
        guard let managed else { return }
        guard credentials == nil else {
            throw APIError.field("credentials", "Managed pipes get their keys from the server: give none.")
        }
        Self.overlay(&settings, managed.settings(keyPrefix: managed.keyPrefix(owner: owner, name: name, dirs: [])))
        settings["managed"] = true
    }

    /// `base` with `top`'s members written over it (`options` key by key).
    static func overlay(_ base: inout JSONObject, _ top: JSONObject) {
        for (key, value) in top {
            if key == "options", var options = base["options"]?.objectValue, let more = value.objectValue {
                for (optionKey, optionValue) in more { options[optionKey] = optionValue }
                base["options"] = .object(options)
            } else {
                base[key] = value
            }
        }
    }

    /// A pipe under a managed one stays inside its parent's folder: it
    /// inherits the storage (protocol, location, remotepath, endpoint,
    /// region) and takes no credentials of its own.
    static func keepManaged(
        _ settings: inout JSONObject, catalog: PipeCatalog, parent: String?, credentials: JSON?
    ) throws(APIError) {
        guard let parent, let record = catalog.pipes[parent],
            catalog.chain(record).last?.settings["managed"]?.boolValue == true
        else { return }
        guard credentials == nil else {
            throw APIError.field("credentials", "Pipes under a managed pipe get their keys from the server: give none.")
        }
        settings["protocol"] = nil
        settings["location"] = nil
        if var options = settings["options"]?.objectValue {
            for key in ["remotepath", "endpoint_url", "region"] { options[key] = nil }
            settings["options"] = .object(options)
        }
    }

    // MARK: checks

    /// The pipe and the caller's access: 404 "Not found." when there is no
    /// such pipe, 403 when the caller has no access to it.
    static func find(_ catalog: PipeCatalog, _ name: String) throws(APIError) -> (PipeRecord, Access) {
        guard let pipe = catalog.pipes[name] else { throw APIError.notFound }
        guard let access = catalog.access(pipe) else { throw APIError.forbidden }
        return (pipe, access)
    }

    static func validateName(_ name: String) throws(APIError) {
        let ok =
            name.count <= 100
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")
            }
        guard ok else {
            throw APIError.field(
                "name", "Pipe names must be alphanumeric (letters, digits, - and _; 100 at most), got '\(name)'.")
        }
    }

    /// A parent must exist, be administered by the caller, and not make a cycle.
    static func checkParent(_ catalog: PipeCatalog, _ parent: String?, child: String) throws(APIError) {
        guard let parent else { return }
        guard let record = catalog.pipes[parent] else {
            throw APIError.field("parent", "Pipe '\(parent)' does not exist.")
        }
        guard let access = catalog.access(record), access.isAdmin else {
            throw APIError.detail(403, "You need to own or administer pipe '\(parent)' to add children to it.")
        }
        if catalog.chain(record).contains(where: { $0.name == child }) {
            throw APIError.field("parent", "Pipe '\(parent)' descends from '\(child)': parents cannot form a cycle.")
        }
    }

    /// The settings to store: the body without computed keys (merged over
    /// `existing` for PATCH), checked: `options` an object, `dir` a relative
    /// path, a known `protocol` (required on a pipe without parent).
    static func settings(from body: JSONObject, parent: String?, merging existing: JSONObject?) throws(APIError)
        -> JSONObject
    {
        var out = existing ?? JSONObject()
        for (key, value) in body where !computedKeys.contains(key) {
            if key == "options", let current = out["options"]?.objectValue, existing != nil {
                guard let patch = value.objectValue else { throw APIError.field("options", "Expected an object.") }
                var merged = current
                for (optionKey, optionValue) in patch { merged[optionKey] = optionValue.isNull ? nil : optionValue }
                out["options"] = .object(merged)
            } else {
                out[key] = value.isNull ? nil : value
            }
        }
        if let options = out["options"] {
            guard let object = options.objectValue else { throw APIError.field("options", "Expected an object.") }
            if let dir = object["dir"] { try validateDir(dir) }
            if let schedule = object["schedule"], !schedule.isNull, scheduleMinutes(out) == nil {
                throw APIError.field(
                    "options", "schedule is in minutes: a positive number, got \(schedule).")
            }
        }
        if let protocolName = out["protocol"] {
            guard let text = protocolName.stringValue, protocols.contains(text) else {
                throw APIError.field("protocol", "Expected one of \(protocols.sorted().joined(separator: ", ")).")
            }
        } else if parent == nil {
            throw APIError.field("protocol", "This field is required for a pipe without parent.")
        }
        return out
    }

    static func validateDir(_ dir: JSON) throws(APIError) {
        guard let text = dir.stringValue else { throw APIError.field("options", "Paths: dir must be a string.") }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let bad =
            text.isEmpty || text.hasPrefix("/") || text.contains("\\") || text.contains("\0")
            || parts.contains { $0 == ".." || $0 == "." } || parts.dropLast().contains { $0.isEmpty }
        if bad {
            throw APIError.field(
                "options", "Paths must be relative folders without '.', '..', '//' or '\\': dir '\(text)' is not.")
        }
    }
}
