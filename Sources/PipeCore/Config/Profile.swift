import PipeJSON

/// One profile of the config file, with the defaults datapipe applies.
/// Unknown keys are kept: the profile is stored as the JSON object it is.
public struct Profile: Sendable, Equatable {
    public let name: String
    public var values: JSONObject

    /// Keys whose values are secrets: shown as `"***"` unless revealed.
    public static let secretKeys: Set<String> = ["token", "key", "password"]

    public init(name: String, values: JSONObject) {
        self.name = name
        self.values = values
    }

    /// Where the profile's pipes keep their files, `~` expanded.
    public var filerepo: String {
        Paths.expandingTilde(values["filerepo"]?.stringValue ?? Self.defaultFilerepo(profile: name))
    }

    public var server: String? { values["server"]?.stringValue }
    public var token: String? { values["token"]?.stringValue }
    public var username: String? { values["username"]?.stringValue }
    /// `local` or `server`; `local` unless set.
    public var mode: String { values["mode"]?.stringValue ?? "local" }

    /// `~/datapipe/files/<profile>`: d6tpipe's layout under datapipe's name.
    public static func defaultFilerepo(profile: String) -> String {
        "~/datapipe/files/\(profile)"
    }

    /// The values with secrets replaced by `"***"` unless `reveal`.
    public func shown(reveal: Bool) -> JSONObject {
        guard !reveal else { return values }
        var shown = values
        for key in values.keys where Self.secretKeys.contains(key) && !(values[key]?.isNull ?? true) {
            shown[key] = "***"
        }
        return shown
    }

    /// Checks the values a user may set, naming the field at fault.
    static func validate(_ values: JSONObject) throws(SettingsError) {
        if let filerepo = values["filerepo"] {
            guard case .string(let path) = filerepo, !path.isEmpty else {
                throw SettingsError(field: "filerepo", reason: "must be a non-empty path, got \(filerepo)")
            }
        }
        if let mode = values["mode"], mode != "local", mode != "server" {
            throw SettingsError(field: "mode", reason: "must be \"local\" or \"server\", got \(mode)")
        }
        if let server = values["server"], !server.isNull {
            guard case .string(let url) = server, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw SettingsError(field: "server", reason: "must be an http:// or https:// URL, got \(server)")
            }
        }
        for key in ["token", "username"] {
            if let value = values[key], !value.isNull, value.stringValue == nil {
                throw SettingsError(field: key, reason: "must be a string or null")
            }
        }
    }
}

/// Paths as users write them.
public enum Paths {
    /// The home folder, read once.
    public static let home: String = {
        if let home = ProcessEnvironment.value("HOME"), !home.isEmpty { return home }
        return "/"
    }()

    public static func expandingTilde(_ path: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return path
    }
}

/// Reads single environment variables without building the whole dictionary.
public enum ProcessEnvironment {
    public static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
