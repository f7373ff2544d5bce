import PipeRPC

/// `mode.get`: the repo mode of the session's profile (`local` or `server`).
public enum ModeGet: BridgeMethod {
    public static let name = "mode.get"
    public typealias Params = NoParams

    public struct Result: Encodable, Sendable {
        public var mode: String
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        Result(mode: try context.session.profile().mode)
    }
}
