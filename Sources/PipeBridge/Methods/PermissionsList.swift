import PipeJSON
import PipeRPC

/// `permissions.list`: a pipe's own grants (by username, email or
/// `public`), with their expiry. Server mode only; owners and admins.
public enum PermissionsList: BridgeMethod {
    public typealias Result = JSON
    public static let name = "permissions.list"
    public static let params: [ParamSpec] = [.required("pipe")]

    public struct Params: Decodable, Sendable {
        public var pipe: String
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        let repo = try context.session.requireServerMode(name)
        return .object(["permissions": .array(try await repo.permissions(params.pipe))])
    }
}
