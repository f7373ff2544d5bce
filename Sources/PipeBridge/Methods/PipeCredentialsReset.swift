import PipeJSON
import PipeRPC
import PipeRepo

/// `pipe.credentials_reset`: asks the repo server for new keys for the
/// pipe, read and (for writers) write. A managed pipe's temporary keys are
/// rotated and the old ones are no longer handed out; other pipes keep their
/// owner's keys (`renewed: false`). Server mode only. The keys themselves
/// never appear in the answer: pulls and pushes fetch them.
public enum PipeCredentialsReset: BridgeMethod {
    public typealias Result = JSON
    public static let name = "pipe.credentials_reset"
    public static let params: [ParamSpec] = [.required("pipe")]

    public struct Params: Decodable, Sendable {
        public var pipe: String
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        let repo = try context.session.requireServerMode(name)
        guard let settings = try await repo.get(params.pipe) else {
            throw BridgeError.noPipe(params.pipe)
        }
        var expires: JSONObject = [:]
        for role in settings.canWrite ? ["read", "write"] : ["read"] {
            expires[role] = try await repo.renewCredentials(params.pipe, role: role).map(JSON.string) ?? .null
        }
        let renewed = expires.values.contains { !$0.isNull }
        return ["pipe": .string(params.pipe), "renewed": .bool(renewed), "expires": .object(expires)]
    }
}
