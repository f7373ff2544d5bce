import PipeCore
import PipeJSON
import PipeRPC

/// `pipe.scan_local`: the files in the pipe's local folder (md5 as crc).
public enum PipeScanLocal: BridgeMethod {
    public typealias Result = JSON
    public static let name = "pipe.scan_local"
    public static let params: [ParamSpec] = [
        .required("pipe"), .optional("include"), .optional("exclude"), .optional("attributes"), .optional("sortby"),
    ]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var include: String?
        public var exclude: String?
        public var attributes: Bool?
        public var sortby: String?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        let engine = try await context.session.engine(for: params.pipe)
        let filter =
            params.include == nil && params.exclude == nil
            ? nil : FileFilter(include: params.include, exclude: params.exclude)
        let files = try FileListing.sorted(try await engine.scanLocal(filter: filter), by: params.sortby)
        return FileListing.json(files, attributes: params.attributes ?? false)
    }
}
