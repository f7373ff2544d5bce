import PipeJSON
import PipeRPC
import PipeRepo

/// `mode.switch`: moves the session's profile between local and server mode
/// (stored as `mode`/`server`, as d6tpipe's cfg.json). Server mode needs a
/// server URL (given, or already in the profile) that answers.
public enum ModeSwitch: BridgeMethod {
    public typealias Result = ModeGet.Result
    public static let name = "mode.switch"
    public static let params: [ParamSpec] = [.required("mode"), .optional("server")]

    public struct Params: Decodable, Sendable {
        public var mode: String
        public var server: String?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> ModeGet.Result {
        let session = context.session
        switch params.mode {
        case "local":
            let profile = try session.config.update(session.profileName, changes: ["mode": "local"])
            return ModeGet.Result(mode: profile.mode, server: profile.server, username: profile.username)
        case "server":
            let profile = try session.profile()
            guard let server = params.server ?? profile.server else {
                throw BridgeError(
                    .invalidSettings, "server mode needs a server URL: pass server", facts: ["field": "server"])
            }
            guard server.hasPrefix("http://") || server.hasPrefix("https://") else {
                throw BridgeError(
                    .invalidSettings, "server must be an http:// or https:// URL, got \(server)",
                    facts: ["field": "server"])
            }
            // The server must answer before the profile switches to it.
            let client = ServerClient(server: server, token: profile.token)
            let username = try await ServerRepo(client: client).whoami()
            let switched = try session.config.update(
                session.profileName, changes: ["mode": "server", "server": .string(server)])
            return ModeGet.Result(mode: switched.mode, server: switched.server, username: username)
        default:
            throw RPCError.invalidParams("mode: must be \"local\" or \"server\", got \"\(params.mode)\"", path: "mode")
        }
    }
}
