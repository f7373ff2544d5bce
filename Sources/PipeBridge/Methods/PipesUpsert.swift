import PipeJSON
import PipeRPC

/// `pipes.upsert`: creates a pipe, or merges the given settings into it.
public enum PipesUpsert: BridgeMethod {
    public static let name = "pipes.upsert"
    public static let params: [ParamSpec] = [.required("settings")]

    public struct Params: Decodable, Sendable {
        public var settings: JSON
    }

    public struct Result: Encodable, Sendable {
        public var created: Bool
        public var settings: JSON
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let values = try params.settings.objectParam("settings")
        let (settings, created) = try await context.session.repo().upsert(values)
        return Result(created: created, settings: .object(settings.shown(reveal: false)))
    }
}
