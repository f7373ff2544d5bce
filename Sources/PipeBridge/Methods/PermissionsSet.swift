import PipeJSON
import PipeRPC

/// `permissions.set`: grants `read`, `write` or `admin` on a pipe (or
/// `revoke`s it) for a username or an email address. Server mode only.
public enum PermissionsSet: BridgeMethod {
    public typealias Result = JSON
    public static let name = "permissions.set"
    public static let params: [ParamSpec] = [
        .required("pipe"), .optional("username"), .optional("email"), .required("role"), .optional("expiration_date"),
    ]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var username: String?
        public var email: String?
        public var role: String
        public var expirationDate: String?

        enum CodingKeys: String, CodingKey {
            case pipe, username, email, role
            case expirationDate = "expiration_date"
        }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        let repo = try context.session.requireServerMode(name)
        guard (params.username == nil) != (params.email == nil) else {
            throw RPCError.invalidParams("give exactly one of username and email", path: "username")
        }
        guard ["read", "write", "admin", "revoke"].contains(params.role) else {
            throw RPCError.invalidParams(
                "role: must be read, write, admin or revoke, got \"\(params.role)\"", path: "role")
        }
        var grant: JSONObject = ["role": .string(params.role)]
        if let username = params.username { grant["username"] = .string(username) }
        if let email = params.email { grant["email"] = .string(email) }
        if let date = params.expirationDate { grant["expiration_date"] = .string(date) }
        return try await repo.setPermission(params.pipe, grant: grant)
    }
}
