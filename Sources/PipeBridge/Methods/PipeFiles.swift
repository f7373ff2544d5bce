import PipeCore
import PipeRPC
import PipeRemotes

/// `pipe.files` and `pipe.filepaths`: the pipe's synced local files (as
/// recorded at the last sync), as names or absolute paths.
public enum PipeFiles: BridgeMethod {
    public typealias Result = [String]
    public static let name = "pipe.files"
    public static let params: [ParamSpec] = [
        .required("pipe"), .optional("include"), .optional("exclude"), .optional("sortby"),
    ]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var include: String?
        public var exclude: String?
        public var sortby: String?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> [String] {
        try await syncedFiles(params, context).map(\.filename)
    }

    static func syncedFiles(_ params: Params, _ context: BridgeContext) async throws -> [RemoteFile] {
        let engine = try await context.session.engine(for: params.pipe)
        let recorded = try engine.workspace.state.state(of: params.pipe).local.values
        let filtered = FileFilter(include: params.include, exclude: params.exclude).apply(Array(recorded))
        return try FileListing.sorted(filtered, by: params.sortby)
    }
}
