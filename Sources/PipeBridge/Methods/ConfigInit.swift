import PipeJSON
import PipeRPC

/// `config.init`: creates the session's profile in its config file (left
/// alone when it exists, unless `reset`).
public enum ConfigInit: BridgeMethod {
    public static let name = "config.init"
    public static let params: [ParamSpec] = [.optional("filerepo"), .optional("server"), .optional("reset")]

    public struct Params: Decodable, Sendable {
        public var filerepo: String?
        public var server: String?
        public var reset: Bool?
    }

    public struct Result: Encodable, Sendable {
        public var profile: String
        public var filerepo: String
        public var server: String?
        public var created: Bool

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(profile, forKey: .profile)
            try container.encode(filerepo, forKey: .filerepo)
            try container.encode(server, forKey: .server)
            try container.encode(created, forKey: .created)
        }

        enum CodingKeys: String, CodingKey { case profile, filerepo, server, created }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let session = context.session
        let (profile, created) = try session.config.initialize(
            session.profileName, filerepo: params.filerepo, server: params.server, reset: params.reset ?? false)
        return Result(profile: profile.name, filerepo: profile.filerepo, server: profile.server, created: created)
    }
}
