import PipeRPC

/// `pipe.push_preview`: the files a push would send, and their size; refused
/// like the push itself (read-only role, remote changes not pulled).
public enum PipePushPreview: BridgeMethod {
    public typealias Result = TransferSummary
    public static let name = "pipe.push_preview"
    public static let params = TransferParams.previewParams
    public typealias Params = TransferParams

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> TransferSummary {
        let plan = try await params.engine(context).pushPlan(params.request, cached: params.cached ?? true)
        return TransferSummary(files: plan.names, bytes: plan.bytes)
    }
}
