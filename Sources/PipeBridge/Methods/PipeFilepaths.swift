import PipeRPC

/// `pipe.filepaths`: as `pipe.files`, with absolute paths.
public enum PipeFilepaths: BridgeMethod {
    public typealias Result = [String]
    public static let name = "pipe.filepaths"
    public static let params = PipeFiles.params
    public typealias Params = PipeFiles.Params

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> [String] {
        let folder = try await context.session.engine(for: params.pipe).workspace.folder
        return try await PipeFiles.syncedFiles(params, context).map { folder + "/" + $0.filename }
    }
}
