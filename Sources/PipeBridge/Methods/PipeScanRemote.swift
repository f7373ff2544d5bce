import PipeCore
import PipeJSON
import PipeRPC
import PipeRemotes
import PipeRepo

/// `pipe.scan_remote`: the remote files (cached for 5 minutes unless `cached: false`).
/// In server mode a cached scan takes the listing the repo server keeps,
/// when the server has one it may share; the bridge lists the remote itself
/// otherwise.
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
        let cached = params.cached ?? true
        let engine = try await context.session.engine(for: params.pipe)
        if cached, let shared = try await serverListing(params.pipe, context) {
            return FileListing.json(try engine.presenting(shared), attributes: params.attributes ?? false)
        }
        let files = try await engine.scanRemote(cached: cached)
        return FileListing.json(files, attributes: params.attributes ?? false)
    }

    /// The server's listing of the pipe; nil in local mode, or when the server
    /// will not scan this pipe (it refuses the target, scans nothing, or the scan failed).
    static func serverListing(_ pipe: String, _ context: BridgeContext) async throws -> [RemoteFile]? {
        let profile = try context.session.profile()
        guard profile.mode == "server" else { return nil }
        do {
            return try await ServerRepo(client: try context.session.serverClient(profile)).listing(pipe).files
        } catch let error as ServerRepoError where error.kind == .invalid || error.kind == .server {
            return nil
        }
    }
}
