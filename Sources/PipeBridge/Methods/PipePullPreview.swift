import PipeRPC

/// `pipe.pull_preview`: the files a pull would bring, and their size.
public enum PipePullPreview: BridgeMethod {
    public typealias Result = TransferSummary
    public static let name = "pipe.pull_preview"
    public static let params = TransferParams.previewParams
    public typealias Params = TransferParams

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> TransferSummary {
        let plan = try await params.engine(context).pullPlan(params.request, cached: params.cached ?? true)
        return TransferSummary(files: plan.names, bytes: plan.bytes)
    }
}
