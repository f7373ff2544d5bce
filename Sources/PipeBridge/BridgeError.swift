import PipeJSON
import PipeRPC

/// The kinds of application error a client can match on (`error.data.type`),
/// each with its fixed JSON-RPC code. protocol/errors.md lists them.
public enum BridgeErrorType: String, Sendable, CaseIterable {
    case authRequired = "AuthRequired"
    case permissionDenied = "PermissionDenied"
    case notFound = "NotFound"
    case conflict = "Conflict"
    case notSynced = "NotSynced"
    case remoteError = "RemoteError"
    case invalidSettings = "InvalidSettings"
    case confirmationRequired = "ConfirmationRequired"
    case serverOnly = "ServerOnly"
    case localError = "LocalError"

    public var code: Int {
        switch self {
        case .authRequired: -32001
        case .permissionDenied: -32002
        case .notFound: -32003
        case .conflict: -32004
        case .notSynced: -32005
        case .remoteError: -32006
        case .invalidSettings: -32007
        case .confirmationRequired: -32008
        case .serverOnly: -32009
        case .localError: -32010
        }
    }
}

/// An application error with the facts a caller needs, in `data` beside `type`.
public struct BridgeError: Error, Sendable, RPCErrorConvertible, CustomStringConvertible {
    public var type: BridgeErrorType
    public var message: String
    /// Extra facts (file names, field paths); merged into `data`.
    public var facts: JSONObject

    public init(_ type: BridgeErrorType, _ message: String, facts: JSONObject = [:]) {
        self.type = type
        self.message = message
        self.facts = facts
    }

    public var rpcError: RPCError {
        var data: JSONObject = ["type": .string(type.rawValue)]
        for (key, value) in facts { data[key] = value }
        return RPCError(code: type.code, message: message, data: .object(data))
    }

    public var description: String { "\(type.rawValue): \(message)" }

    /// `NotFound` for a pipe the repo does not have.
    static func noPipe(_ name: String) -> BridgeError {
        BridgeError(.notFound, "no pipe named \(name)", facts: ["pipe": .string(name)])
    }
}
