import PipeJSON

/// A pipe's settings: the JSON object users write, validated, with typed
/// views of the parts datapipe acts on. Keys it does not know are kept.
public struct PipeSettings: Sendable, Equatable {
    public private(set) var values: JSONObject

    /// Remote protocols a pipe can use in local mode.
    public static let protocols: Set<String> = ["s3", "sftp", "ftp", "file"]
    /// Server-managed storage (d6tpipe's `d6tfree`): only a repo server can allocate it.
    public static let managedProtocols: Set<String> = ["managed", "d6tfree"]

    /// Validates `values`; the error names the field at fault.
    public init(_ values: JSONObject) throws(SettingsError) {
        self.values = values
        try validate()
    }

    public var name: String { values["name"]?.stringValue ?? "" }
    public var protocolName: String { values["protocol"]?.stringValue ?? "" }
    public var location: String? { values["location"]?.stringValue }
    public var options: JSONObject { values["options"]?.objectValue ?? [:] }
    public var remotepath: String? { options["remotepath"]?.stringValue }
    /// The pipe's folder below the profile's filerepo: `options.dir`, else the name.
    public var folder: String { options["dir"]?.stringValue ?? name }
    public var include: String? { options["include"]?.stringValue }
    public var exclude: String? { options["exclude"]?.stringValue }
    /// `read` makes the pipe read-only for this user (set by a repo server).
    public var role: String? { values["role"]?.stringValue }
    public var schema: JSON { values["schema"] ?? .object([:]) }
    public var parent: String? { values["parent"]?.stringValue }
    public var canWrite: Bool { role != "read" }
    /// Transfers at once for this pipe (`options.concurrency`), when set.
    public var concurrency: Int? { options["concurrency"]?.integerValue.map(Int.init) }

    /// The credentials for reading or writing: split `{read, write}` or flat.
    public func credentials(write: Bool) -> JSONObject {
        guard let credentials = values["credentials"]?.objectValue else { return [:] }
        if credentials["read"] != nil || credentials["write"] != nil {
            return credentials[write ? "write" : "read"]?.objectValue ?? [:]
        }
        return credentials
    }

    /// The settings with credentials replaced by `"***"` unless `reveal`.
    public func shown(reveal: Bool) -> JSONObject {
        guard !reveal, let credentials = values["credentials"] else { return values }
        var shown = values
        shown["credentials"] = Self.masked(credentials)
        return shown
    }

    private static func masked(_ value: JSON) -> JSON {
        switch value {
        case .object(let object):
            var masked = JSONObject()
            for (key, member) in object { masked[key] = member.objectValue != nil ? Self.masked(member) : "***" }
            return .object(masked)
        default:
            return "***"
        }
    }

    /// Merges `changes` into these settings (objects merge one level deep, as
    /// `options`; `null` removes a key) and validates the result.
    public func merged(with changes: JSONObject) throws(SettingsError) -> PipeSettings {
        var merged = values
        for (key, value) in changes {
            if value.isNull {
                merged[key] = nil
            } else if case .object(let inner) = value, case .object(var existing)? = merged[key], key == "options" {
                for (innerKey, innerValue) in inner { existing[innerKey] = innerValue.isNull ? JSON?.none : innerValue }
                merged[key] = .object(existing)
            } else {
                merged[key] = value
            }
        }
        return try PipeSettings(merged)
    }
}
