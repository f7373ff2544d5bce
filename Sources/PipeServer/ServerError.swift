import PipeJSON

/// Why the server could not start or do its own work (not a client's mistake).
public enum ServerError: Error, Sendable, CustomStringConvertible {
    case crypto(String)
    case keyFile(path: String, reason: String)
    case database(path: String, reason: String)
    case listen(address: String, reason: String)

    public var description: String {
        switch self {
        case .crypto(let reason): "crypto: \(reason)"
        case .keyFile(let path, let reason): "server key file \(path): \(reason)"
        case .database(let path, let reason): "database \(path): \(reason)"
        case .listen(let address, let reason): "cannot listen on \(address): \(reason)"
        }
    }
}

/// A refusal sent back to the client: an HTTP status and a body in the shape
/// Django REST framework gave d6tpipe (`{"detail": …}` or `{"field": [msg]}`),
/// whose text d6tpipe matches ("Not found", "unique", "alphanumeric", ...).
struct APIError: Error, Sendable {
    var status: Int
    var body: JSON

    static func field(_ name: String, _ message: String) -> APIError {
        APIError(status: 400, body: .object([name: .array([.string(message)])]))
    }

    static func detail(_ status: Int, _ message: String) -> APIError {
        APIError(status: status, body: .object(["detail": .string(message)]))
    }

    /// The body's text: the detail, or each field's messages as `field: message`.
    var message: String {
        if let detail = body["detail"]?.stringValue { return detail }
        return (body.objectValue ?? [:]).map { field, messages in
            "\(field): " + (messages.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " ")
        }.joined(separator: "; ")
    }

    static let notFound = detail(404, "Not found.")
    static let forbidden = detail(403, "You do not have permission to perform this action.")
    static let unauthenticated = detail(401, "Authentication credentials were not provided.")
    static let invalidToken = detail(401, "Invalid token.")
    static func badRequest(_ message: String) -> APIError { detail(400, message) }
}
