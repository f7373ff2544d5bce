import PipeJSON

/// A JSON-RPC error object: what goes on the wire in a reply's `error` member.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSON?

    public init(code: Int, message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "\(message) (\(code))" }

    public var json: JSON {
        var object: JSONObject = ["code": .integer(Int64(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}

extension RPCError {
    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    public static let requestCancelledCode = -32800

    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: parseErrorCode, message: "Parse error: \(detail)")
    }

    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: invalidRequestCode, message: "Invalid request: \(detail)")
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: methodNotFoundCode, message: "Method not found: \(method)", data: ["method": .string(method)])
    }

    public static func invalidParams(_ detail: String, path: String? = nil) -> RPCError {
        RPCError(
            code: invalidParamsCode, message: "Invalid params: \(detail)",
            data: path.map { ["path": .string($0)] })
    }

    /// The reply for failures that are the bridge's own fault: no internals leak.
    public static let internalError = RPCError(
        code: internalErrorCode, message: "Internal error: the request failed unexpectedly; the bridge log has details")

    public static let requestCancelled = RPCError(code: requestCancelledCode, message: "Request cancelled")
}

/// Domain errors conform to this to choose their wire form. Anything else a
/// handler throws becomes -32603 (logged, not shown), and `CancellationError`
/// becomes -32800: `RPCError(from:)` is the one way in.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension RPCError: RPCErrorConvertible {
    public var rpcError: RPCError { self }
}

extension RPCError {
    /// Maps any error thrown by a handler to its wire form; `isInternal` tells
    /// the caller to log the original.
    public static func from(_ error: any Error) -> (error: RPCError, isInternal: Bool) {
        switch error {
        case let convertible as RPCErrorConvertible: (convertible.rpcError, false)
        case is CancellationError: (.requestCancelled, false)
        default: (.internalError, true)
        }
    }
}
