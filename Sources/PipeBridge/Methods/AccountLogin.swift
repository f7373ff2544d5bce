import PipeJSON
import PipeRPC

/// `account.login`: retrieves the account's token from the repo server
/// (d6tpipe's `login`/`forgotToken`) and stores it in the profile.
public enum AccountLogin: BridgeMethod {
    public typealias Result = AccountResult
    public static let name = "account.login"
    public static let params: [ParamSpec] = [.required("username"), .required("password"), .optional("server")]

    public struct Params: Decodable, Sendable {
        public var username: String
        public var password: String
        public var server: String?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> AccountResult {
        let session = context.session
        let client = try session.accountClient(server: params.server)
        let token = try await client.login(username: params.username, password: params.password)
        _ = try session.config.update(
            session.profileName, changes: ["token": .string(token), "username": .string(params.username)])
        return AccountResult(username: params.username, server: client.server)
    }
}
