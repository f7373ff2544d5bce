import PipeJSON
import PipeRPC

/// `pipe.scan_remote`: the remote files (cached for 5 minutes unless `cached: false`).
public enum PipeScanRemote: BridgeMethod {
    public typealias Result = JSON
    public static let name = "pipe.scan_remote"
    public static let params: [ParamSpec] = [.required("pipe"), .optional("attributes"), .optional("cached")]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var attributes: Bool?
        public var cached: Bool?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        let files = try await context.session.engine(for: params.pipe).scanRemote(cached: params.cached ?? true)
        return FileListing.json(files, attributes: params.attributes ?? false)
    }
}
