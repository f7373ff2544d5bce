import PipeJSON

/// What a handler knows about the call it serves, and how it talks back
/// before its reply: `$/progress` and `$/log` notifications.
public struct RequestContext<Session: Sendable>: Sendable {
    /// The peer's request id (string, number or null).
    public let id: JSON
    /// The method being served.
    public let method: String
    /// The connection's session state.
    public let session: Session
    /// The token `$/progress` notifications carry: the request id unless the
    /// caller passed `progress_token`.
    public let progressToken: JSON
    let notifier: Notifier

    /// Sends a notification to the peer, ahead of this request's reply.
    public func notify(_ method: String, _ params: JSON) {
        notifier.send(method: method, params: params)
    }

    /// Sends a `$/progress` notification for this request.
    public func progress(_ report: ProgressReport) {
        notify("$/progress", report.json(token: progressToken))
    }

    /// Sends a `$/log` notification (a warning the user should see).
    public func log(_ level: LogLevel, _ message: String) {
        notify("$/log", ["level": .string(level.rawValue), "message": .string(message)])
    }

    public enum LogLevel: String, Sendable {
        case error, warning, info, debug
    }
}

/// A `$/progress` notification's facts.
public struct ProgressReport: Sendable, Equatable {
    public enum Kind: String, Sendable { case begin, report, end }

    public var kind: Kind
    public var message: String?
    public var filesDone: Int?
    public var filesTotal: Int?
    public var bytesDone: Int64?
    public var bytesTotal: Int64?

    public init(
        kind: Kind, message: String? = nil, filesDone: Int? = nil, filesTotal: Int? = nil,
        bytesDone: Int64? = nil, bytesTotal: Int64? = nil
    ) {
        self.kind = kind
        self.message = message
        self.filesDone = filesDone
        self.filesTotal = filesTotal
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
    }

    func json(token: JSON) -> JSON {
        var object: JSONObject = ["token": token, "kind": .string(kind.rawValue)]
        if let message { object["message"] = .string(message) }
        if let filesDone { object["files_done"] = .integer(Int64(filesDone)) }
        if let filesTotal { object["files_total"] = .integer(Int64(filesTotal)) }
        if let bytesDone { object["bytes_done"] = .integer(bytesDone) }
        if let bytesTotal { object["bytes_total"] = .integer(bytesTotal) }
        return .object(object)
    }
}

/// Where a request's notifications go: the connection's outbound queue.
struct Notifier: Sendable {
    let send: @Sendable (_ method: String, _ params: JSON) -> Void

    func send(method: String, params: JSON) { send(method, params) }
}
