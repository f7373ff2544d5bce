import PipeJSON
import PipeRPC

/// `config.update`: merges `changes` into the session's profile (`null` removes a key).
public enum ConfigUpdate: BridgeMethod {
    public typealias Result = JSON
    public static let name = "config.update"
    public static let params: [ParamSpec] = [.required("changes")]

    public struct Params: Decodable, Sendable {
        public var changes: JSON
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        let session = context.session
        guard case .object(let changes) = params.changes else {
            throw RPCError.invalidParams(
                "changes: expected an object, got \(params.changes.kindDescription)", path: "changes")
        }
        return .object(try session.config.update(session.profileName, changes: changes).shown(reveal: false))
    }
}
