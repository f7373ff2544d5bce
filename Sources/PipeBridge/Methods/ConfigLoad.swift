import PipeJSON
import PipeRPC

/// `config.load`: the session's profile as stored; secrets as `"***"` unless `reveal`.
public enum ConfigLoad: BridgeMethod {
    public typealias Result = JSON
    public static let name = "config.load"
    public static let params: [ParamSpec] = [.optional("reveal")]

    public struct Params: Decodable, Sendable {
        public var reveal: Bool?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        .object(try context.session.profile().shown(reveal: params.reveal ?? false))
    }
}
