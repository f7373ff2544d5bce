/// Settings or config values that cannot be used, naming the field at fault
/// (`options.dir`, `filerepo`).
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
