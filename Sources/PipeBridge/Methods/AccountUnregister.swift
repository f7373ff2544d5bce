import PipeJSON
import PipeRPC

/// `account.unregister`: removes the profile's own account from the repo
/// server (d6tpipe's `unregister`), then its token from the profile. Server
/// mode only; `username` must be the profile's user and `confirm` true.
public enum AccountUnregister: BridgeMethod {
    public typealias Result = AccountResult
    public static let name = "account.unregister"
    public static let params: [ParamSpec] = [.required("username"), .required("confirm")]

    public struct Params: Decodable, Sendable {
        public var username: String
        public var confirm: Bool
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> AccountResult {
        let session = context.session
        let repo = try session.requireServerMode(name)
        guard params.confirm else {
            throw BridgeError(
                .confirmationRequired,
                "account.unregister deletes the account \(params.username) on \(repo.client.server): pass confirm: true"
            )
        }
        try await repo.unregister(params.username)
        _ = try session.config.update(session.profileName, changes: ["token": .null])
        return AccountResult(username: params.username, server: repo.client.server)
    }
}
