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
        let changes = try params.changes.objectParam("changes")
        return .object(try session.config.update(session.profileName, changes: changes).shown(reveal: false))
    }
}
