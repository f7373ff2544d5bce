import PipeRPC

/// `pipe.reset`: forgets the sync state and pulls every remote file again,
/// replacing local copies; `delete` empties the pipe folder first. Needs `confirm: true`.
public enum PipeReset: BridgeMethod {
    public typealias Result = PipePull.Result
    public static let name = "pipe.reset"
    public static let params: [ParamSpec] = [.required("pipe"), .optional("delete"), .required("confirm")]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var delete: Bool?
        public var confirm: Bool
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> PipePull.Result {
        let result = try await context.session.engine(for: params.pipe).reset(
            deleteLocal: params.delete ?? false, confirm: params.confirm, progress: context.transferProgress)
        return PipePull.Result(
            files: result.files, bytes: result.bytes, kept: result.kept, readme: result.readme, license: result.license)
    }
}
