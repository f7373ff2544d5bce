import PipeRPC

/// `pipe.pull`: brings what changed remotely; local changes are never
/// overwritten without `merge_mode`.
public enum PipePull: BridgeMethod {
    public static let name = "pipe.pull"
    public static let params = TransferParams.previewParams + [.optional("merge_mode"), .optional("concurrency")]
    public typealias Params = TransferParams

    public struct Result: Encodable, Sendable {
        public var files: [String]
        public var bytes: Int64
        public var kept: [String]
        public var readme: String?
        public var license: String?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let result = try await params.engine(context).pull(
            params.request, mergeMode: params.mergeMode, cached: params.cached ?? true,
            progress: context.transferProgress)
        return Result(
            files: result.files, bytes: result.bytes, kept: result.kept, readme: result.readme, license: result.license)
    }
}
