/// A remote store failed. Carries what a user needs to act: which store,
/// where, what happened — never a password or key.
public struct RemoteError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Worth retrying: timeouts, resets, 5xx, throttling.
        case transient
        case notFound
        case permissionDenied
        case authentication
        /// A listing or response that cannot be trusted (e.g. a name escaping the root).
        case invalidResponse
        case other
    }

    public var kind: Kind
    public var protocolName: String
    /// Host or root the store talks to (no credentials).
    public var location: String
    public var reason: String
    /// The remote file concerned, when there is one.
    public var file: String?

    public init(_ kind: Kind, protocolName: String, location: String, reason: String, file: String? = nil) {
        self.kind = kind
        self.protocolName = protocolName
        self.location = location
        self.reason = reason
        self.file = file
    }

    public var isTransient: Bool { kind == .transient }

    public var description: String {
        let subject = file.map { " (\($0))" } ?? ""
        return "\(protocolName) \(location)\(subject): \(reason)"
    }
}
