import PipeJSON

/// One method the bridge serves: its wire name, its params and its result.
/// Each method is its own type in its own file, e.g.
/// `enum SessionInfo: RPCMethod { static let name = "session.info" ... }`.
public protocol RPCMethod: Sendable {
    associatedtype Params: Decodable & Sendable = NoParams
    associatedtype Result: Encodable & Sendable

    /// The wire name, `namespace.verb` in snake_case.
    static var name: String { get }
    /// The params in positional order: by-position params map onto these, and
    /// by-name params must be among them. protocol/openrpc.json must agree.
    static var params: [ParamSpec] { get }
}

extension RPCMethod where Params == NoParams {
    public static var params: [ParamSpec] { [] }
}

/// One param as the method table declares it.
public struct ParamSpec: Sendable, Equatable {
    public let name: String
    public let isRequired: Bool

    public init(name: String, isRequired: Bool) {
        self.name = name
        self.isRequired = isRequired
    }

    public static func required(_ name: String) -> ParamSpec { ParamSpec(name: name, isRequired: true) }
    public static func optional(_ name: String) -> ParamSpec { ParamSpec(name: name, isRequired: false) }
}

/// Params of a method that takes none.
public struct NoParams: Decodable, Sendable, Equatable {
    public init() {}
}
