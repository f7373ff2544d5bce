import PipeJSON
import PipeRPC

/// `pipe.schema`: the pipe's `schema` setting, handed back untouched.
public enum PipeSchema: BridgeMethod {
    public typealias Result = JSON
    public static let name = "pipe.schema"
    public static let params: [ParamSpec] = [.required("pipe")]

    public struct Params: Decodable, Sendable {
        public var pipe: String
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        try await context.session.engine(for: params.pipe).workspace.settings.schema
    }
}
