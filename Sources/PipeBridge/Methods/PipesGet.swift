import PipeJSON
import PipeRPC

/// `pipes.get`: one pipe's settings; credentials as `"***"` unless `reveal`.
public enum PipesGet: BridgeMethod {
    public typealias Result = JSON
    public static let name = "pipes.get"
    public static let params: [ParamSpec] = [.required("name"), .optional("reveal")]

    public struct Params: Decodable, Sendable {
        public var name: String
        public var reveal: Bool?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        guard let settings = try await context.session.repo().get(params.name) else {
            throw BridgeError.noPipe(params.name)
        }
        return .object(settings.shown(reveal: params.reveal ?? false))
    }
}
