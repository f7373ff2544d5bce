import PipeCore
import PipeRPC

/// `pipe.remove_orphans`: files on one side only; a dry run unless `dryrun: false`.
public enum PipeRemoveOrphans: BridgeMethod {
    public typealias Result = RemovalSummary
    public static let name = "pipe.remove_orphans"
    public static let params: [ParamSpec] = [
        .required("pipe"), .optional("direction"), .optional("dryrun"), .optional("files"),
    ]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var direction: Side?
        public var dryrun: Bool?
        public var files: [String]?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> RemovalSummary {
        let result = try await context.session.engine(for: params.pipe).removeOrphans(
            direction: params.direction ?? .local, dryrun: params.dryrun ?? true, files: params.files)
        return RemovalSummary(local: result.local, remote: result.remote)
    }
}

/// `{local, remote}`: names removed (or to be removed) on each side.
public struct RemovalSummary: Encodable, Sendable {
    public var local: [String]
    public var remote: [String]
}
