import PipeJSON
import PipeRPC

/// `account.register`: creates an account on the repo server and stores its
/// token and username in the profile. The token is not in the answer.
public enum AccountRegister: BridgeMethod {
    public typealias Result = AccountResult
    public static let name = "account.register"
    public static let params: [ParamSpec] = [
        .required("username"), .required("email"), .required("password"), .optional("server"),
    ]

    public struct Params: Decodable, Sendable {
        public var username: String
        public var email: String
        public var password: String
        public var server: String?
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> AccountResult {
        let session = context.session
        let client = try session.accountClient(server: params.server)
        let token = try await client.register(username: params.username, email: params.email, password: params.password)
        _ = try session.config.update(
            session.profileName, changes: ["token": .string(token), "username": .string(params.username)])
        return AccountResult(username: params.username, server: client.server)
    }
}

/// What account calls answer: who the profile now acts as, and where.
public struct AccountResult: Encodable, Sendable {
    public var username: String
    public var server: String
}
