import PipeJSON
import PipeRPC

/// `session.info`: who and where this session is.
public enum SessionInfo: BridgeMethod {
    public static let name = "session.info"
    public typealias Params = NoParams

    public struct Result: Codable, Sendable, Equatable {
        public var version: String
        public var profile: String
        public var mode: String
        public var server: String?
        public var username: String?
        public var filerepo: String

        // Absent facts are sent as null rather than left out.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(profile, forKey: .profile)
            try container.encode(mode, forKey: .mode)
            try container.encode(server, forKey: .server)
            try container.encode(username, forKey: .username)
            try container.encode(filerepo, forKey: .filerepo)
        }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        try info(of: context.session)
    }

    static func info(of session: BridgeSession) throws -> Result {
        let profile = try session.profile()
        return Result(
            version: BridgeEnvironment.version, profile: profile.name, mode: profile.mode, server: profile.server,
            username: profile.username, filerepo: profile.filerepo)
    }
}
