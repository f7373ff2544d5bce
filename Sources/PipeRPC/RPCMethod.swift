import PipeJSON

/// One method the bridge serves: its wire name, its params and its result.
/// Each method is its own type in its own file, e.g.
/// `enum SessionInfo: RPCMethod { static let name = "session.info" ... }`.
public protocol RPCMethod: Sendable {
    associatedtype Params: Decodable & Sendable = NoParams
    associatedtype Result: Encodable & Sendable

    /// The wire name, `namespace.verb` in snake_case.
    static var name: String { get }
    /// Param names in positional order: by-position params map onto these, and
    /// by-name params must be among them.
    static var paramNames: [String] { get }
}

extension RPCMethod where Params == NoParams {
    public static var paramNames: [String] { [] }
}

/// Params of a method that takes none.
public struct NoParams: Decodable, Sendable, Equatable {
    public init() {}
}
