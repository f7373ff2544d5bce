import PipeRPC

/// `pipes.delete`: removes a pipe's settings and its sync state; its local
/// files stay where they are.
public enum PipesDelete: BridgeMethod {
    public static let name = "pipes.delete"
    public static let params: [ParamSpec] = [.required("name")]

    public struct Params: Decodable, Sendable {
        public var name: String
    }

    public struct Result: Encodable, Sendable {
        public var deleted: Bool
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let session = context.session
        guard try await session.repo().delete(params.name) else {
            throw BridgeError.noPipe(params.name)
        }
        try session.stateStore().forget(params.name)
        return Result(deleted: true)
    }
}
