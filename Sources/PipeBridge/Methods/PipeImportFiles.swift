import PipeRPC

/// `pipe.import_files`: copies (or moves) files into the pipe folder.
public enum PipeImportFiles: BridgeMethod {
    public typealias Result = ImportSummary
    public static let name = "pipe.import_files"
    public static let params: [ParamSpec] = [
        .required("pipe"), .required("paths"), .optional("subdir"), .optional("move"),
    ]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var paths: [String]
        public var subdir: String?
        public var move: Bool?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> ImportSummary {
        let names = try await context.session.engine(for: params.pipe).importFiles(
            params.paths, subdir: params.subdir, move: params.move ?? false)
        return ImportSummary(files: names)
    }
}

/// `{files}`: the names the imported files have in the pipe.
public struct ImportSummary: Encodable, Sendable {
    public var files: [String]
}
