import PipeJSON
import PipeRPC

/// `pipe.update_settings`: merges settings into an existing pipe.
public enum PipeUpdateSettings: BridgeMethod {
    public typealias Result = JSON
    public static let name = "pipe.update_settings"
    public static let params: [ParamSpec] = [.required("pipe"), .required("settings")]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var settings: JSON
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        var values = try params.settings.objectParam("settings")
        let repo = try context.session.repo()
        guard try await repo.get(params.pipe) != nil else {
            throw BridgeError.noPipe(params.pipe)
        }
        if let renamed = values["name"], renamed != .string(params.pipe) {
            throw BridgeError(.invalidSettings, "a pipe cannot be renamed", facts: ["field": "name"])
        }
        values["name"] = .string(params.pipe)
        return .object(try await repo.upsert(values).settings.shown(reveal: false))
    }
}
