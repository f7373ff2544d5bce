import PipeRPC

/// `session.configure`: points this session at another profile and/or config file.
public enum SessionConfigure: BridgeMethod {
    public typealias Result = SessionInfo.Result
    public static let name = "session.configure"
    public static let params: [ParamSpec] = [.optional("profile"), .optional("config_file")]

    public struct Params: Decodable, Sendable {
        public var profile: String?
        public var configFile: String?

        enum CodingKeys: String, CodingKey {
            case profile
            case configFile = "config_file"
        }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> SessionInfo.Result {
        if let profile = params.profile, profile.isEmpty {
            throw BridgeError(.invalidSettings, "profile must not be empty", facts: ["field": "profile"])
        }
        context.session.configure(configFile: params.configFile, profile: params.profile)
        return try SessionInfo.info(of: context.session)
    }
}
