import PipeJSON
import PipeRPC

/// `pipes.list`: the pipes of the repo, as names (default) or settings.
public enum PipesList: BridgeMethod {
    public typealias Result = JSON
    public static let name = "pipes.list"
    public static let params: [ParamSpec] = [.optional("names_only"), .optional("parent_only")]

    public struct Params: Decodable, Sendable {
        public var namesOnly: Bool?
        public var parentOnly: Bool?

        enum CodingKeys: String, CodingKey {
            case namesOnly = "names_only"
            case parentOnly = "parent_only"
        }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        var pipes = try await context.session.repo().all()
        if params.parentOnly ?? false { pipes = pipes.filter { $0.parent == nil } }
        if params.namesOnly ?? true { return .array(pipes.map { .string($0.name) }) }
        return .array(pipes.map { .object($0.shown(reveal: false)) })
    }
}
