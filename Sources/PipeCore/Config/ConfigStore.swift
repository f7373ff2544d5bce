import PipeJSON

/// The profiles of one config file: create, read, update. Every change is a
/// read-modify-write of the whole file, written atomically.
public struct ConfigStore: Sendable {
    public let file: ConfigFile

    public init(path: String) {
        file = ConfigFile(path: path)
    }

    public func profileNames() throws(ConfigError) -> [String] {
        try file.load().keys.sorted()
    }

    /// The named profile; when the file has none of that name, an empty
    /// profile (all defaults) that is not written until `initialize` or `update`.
    public func profile(_ name: String) throws(ConfigError) -> Profile {
        Profile(name: name, values: try file.load()[name]?.objectValue ?? [:])
    }

    /// Creates the profile (d6tpipe's `ConfigManager.init`): an existing one
    /// is left alone unless `reset`. Returns the profile and whether it was written.
    public func initialize(
        _ name: String, filerepo: String?, server: String?, reset: Bool
    ) throws -> (profile: Profile, created: Bool) {
        var profiles = try file.load()
        if let existing = profiles[name]?.objectValue, !reset {
            return (Profile(name: name, values: existing), false)
        }
        var values: JSONObject = ["filerepo": .string(filerepo ?? Profile.defaultFilerepo(profile: name))]
        if let server { values["server"] = .string(server) }
        values["mode"] = "local"
        try Profile.validate(values)
        profiles[name] = .object(values)
        try file.save(profiles)
        return (Profile(name: name, values: values), true)
    }

    /// Merges `changes` into the profile (creating it if needed); a `null`
    /// value removes the key.
    public func update(_ name: String, changes: JSONObject) throws -> Profile {
        try Profile.validate(changes.filter { !$0.value.isNull })
        var profiles = try file.load()
        var values = profiles[name]?.objectValue ?? [:]
        for (key, value) in changes {
            values[key] = value.isNull ? JSON?.none : value
        }
        profiles[name] = .object(values)
        try file.save(profiles)
        return Profile(name: name, values: values)
    }
}
