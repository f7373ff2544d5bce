import PipeJSON

/// A failed call to a repo server. Carries the server URL, the request path
/// and the HTTP status; never the token or a password.
public struct ServerRepoError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// 401: no token, or the server does not know it.
        case unauthorized
        /// 403: the caller has no access, or not enough.
        case permissionDenied
        /// 404: no such pipe or path.
        case notFound
        /// 400 and 409: the server refused the values.
        case invalid
        /// The server could not be reached (refused, DNS, timeout).
        case unreachable
        /// Any other answer (5xx, 429, an unreadable body).
        case server
    }

    public var kind: Kind
    public var server: String
    public var path: String
    /// The HTTP status; nil when no answer came.
    public var status: Int?
    /// The server's own words (its `detail` or field messages), or the transport's.
    public var reason: String

    public init(kind: Kind, server: String, path: String, status: Int?, reason: String) {
        self.kind = kind
        self.server = server
        self.path = path
        self.status = status
        self.reason = reason
    }

    public var description: String {
        if let status { return "repo server \(server) answered \(status) to \(path): \(reason)" }
        return "repo server \(server) cannot be reached (\(path)): \(reason)"
    }

    /// The facts a caller can match on.
    public var facts: JSONObject {
        var facts: JSONObject = ["server": .string(server), "path": .string(path), "reason": .string(reason)]
        if let status { facts["status"] = .integer(Int64(status)) }
        return facts
    }
}
