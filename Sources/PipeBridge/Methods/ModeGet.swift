import PipeRPC

/// `mode.get`: the repo mode of the session's profile (`local` or `server`),
/// its server URL and username when set.
public enum ModeGet: BridgeMethod {
    public static let name = "mode.get"
    public typealias Params = NoParams

    public struct Result: Encodable, Sendable {
        public var mode: String
        public var server: String?
        public var username: String?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let profile = try context.session.profile()
        return Result(mode: profile.mode, server: profile.server, username: profile.username)
    }
}
