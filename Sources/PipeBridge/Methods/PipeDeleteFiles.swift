import PipeCore
import PipeRPC

/// `pipe.delete_files`: deletes files locally, remotely or both; needs
/// `confirm: true` (d6tpipe asked interactively).
public enum PipeDeleteFiles: BridgeMethod {
    public typealias Result = RemovalSummary
    public static let name = "pipe.delete_files"
    public static let params: [ParamSpec] = [
        .required("pipe"), .required("scope"), .optional("files"), .optional("all_local"), .required("confirm"),
    ]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var scope: Side
        public var files: [String]?
        public var allLocal: Bool?
        public var confirm: Bool

        enum CodingKeys: String, CodingKey {
            case pipe, scope, files, confirm
            case allLocal = "all_local"
        }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> RemovalSummary {
        let result = try await context.session.engine(for: params.pipe).deleteFiles(
            scope: params.scope, files: params.files, allLocal: params.allLocal ?? false, confirm: params.confirm)
        return RemovalSummary(local: result.local, remote: result.remote)
    }
}
