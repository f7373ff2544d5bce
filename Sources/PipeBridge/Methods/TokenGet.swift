import PipeRPC

/// `token.get`: the profile's repo server token (null when none). The one
/// call that reveals it; `config.load` shows `"***"` unless asked.
public enum TokenGet: BridgeMethod {
    public static let name = "token.get"
    public typealias Params = NoParams

    public struct Result: Encodable, Sendable {
        public var token: String?

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(token, forKey: .token)
        }

        enum CodingKeys: String, CodingKey { case token }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        Result(token: try context.session.profile().token)
    }
}
