import PipeCore
import PipeRPC

/// `pipe.push`: sends what changed locally; needs write access and a synced
/// pipe (unless mode `all`). `fromdb` limits it to files seen at the last sync.
public enum PipePush: BridgeMethod {
    public typealias Result = TransferSummary
    public static let name = "pipe.push"
    public static let params = TransferParams.previewParams + [.optional("fromdb"), .optional("concurrency")]
    public typealias Params = TransferParams

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> TransferSummary {
        let engine = try await params.engine(context)
        var request = params.request
        if params.fromdb ?? false, request.files == nil {
            let recorded = try engine.workspace.state.state(of: params.pipe).local.keys
            let local = Set(try await engine.scanLocal().map(\.filename))
            request.files = recorded.filter { local.contains($0) }.sorted()
        }
        let result = try await engine.push(request, cached: params.cached ?? true, progress: context.transferProgress)
        return TransferSummary(files: result.files, bytes: result.bytes)
    }
}
