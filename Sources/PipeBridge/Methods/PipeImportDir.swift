import PipeRPC

/// `pipe.import_dir`: copies (or moves) a folder's files, keeping their
/// relative paths, into the pipe folder.
public enum PipeImportDir: BridgeMethod {
    public typealias Result = ImportSummary
    public static let name = "pipe.import_dir"
    public static let params: [ParamSpec] = [
        .required("pipe"), .required("path"), .optional("subdir"), .optional("move"),
    ]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var path: String
        public var subdir: String?
        public var move: Bool?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> ImportSummary {
        let names = try await context.session.engine(for: params.pipe).importDirectory(
            params.path, subdir: params.subdir, move: params.move ?? false)
        return ImportSummary(files: names)
    }
}
