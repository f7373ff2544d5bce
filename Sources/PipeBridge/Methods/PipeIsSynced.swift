import PipeRPC

/// `pipe.is_synced`: whether the remote has changes not pulled yet.
public enum PipeIsSynced: BridgeMethod {
    public static let name = "pipe.is_synced"
    public static let params: [ParamSpec] = [.required("pipe"), .optional("cached")]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var cached: Bool?
    }

    public struct Result: Encodable, Sendable {
        public var synced: Bool
        public var pending: [String]
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let pending = try await context.session.engine(for: params.pipe).pendingPull(cached: params.cached ?? true)
        return Result(synced: pending.isEmpty, pending: pending)
    }
}
