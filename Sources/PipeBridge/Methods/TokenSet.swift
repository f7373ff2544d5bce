import PipeJSON
import PipeRPC

/// `token.set`: stores a repo server token in the profile (d6tpipe's
/// `setToken`); `null` removes it.
public enum TokenSet: BridgeMethod {
    public static let name = "token.set"
    public static let params: [ParamSpec] = [.required("token")]

    public struct Params: Decodable, Sendable {
        /// A string, or `null`: required, so that removing is said explicitly.
        public var token: JSON
    }

    public struct Result: Encodable, Sendable {
        public var set: Bool
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        guard params.token.isNull || params.token.stringValue != nil else {
            throw RPCError.invalidParams("token: expected a string or null", path: "token")
        }
        let session = context.session
        _ = try session.config.update(session.profileName, changes: ["token": params.token])
        return Result(set: !params.token.isNull)
    }
}
