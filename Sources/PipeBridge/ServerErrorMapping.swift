import PipeJSON
import PipeRPC
import PipeRepo

// Repo server failures as wire errors: 403 PermissionDenied, 404 NotFound,
// 400 InvalidSettings, 401 AuthRequired, the rest RemoteError. The facts name
// the server and the path, never the token.
extension ServerRepoError: RPCErrorConvertible {
    public var rpcError: RPCError { bridgeError.rpcError }

    var bridgeError: BridgeError {
        let type: BridgeErrorType =
            switch kind {
            case .unauthorized: .authRequired
            case .permissionDenied: .permissionDenied
            case .notFound: .notFound
            case .invalid: .invalidSettings
            case .unreachable, .server: .remoteError
            }
        return BridgeError(type, description, facts: facts.merging(["kind": .string(kind.rawValue)]))
    }
}

extension BridgeSession {
    /// Refuses calls that only make sense against a repo server.
    func requireServerMode(_ method: String) throws -> ServerRepo {
        let profile = try profile()
        guard profile.mode == "server" else {
            throw BridgeError(
                .serverOnly,
                "\(method) needs server mode; profile \(profile.name) is in local mode (call mode.switch)",
                facts: ["mode": .string(profile.mode)])
        }
        return ServerRepo(client: try serverClient(profile))
    }

    /// The server for account calls: `server` if given (then stored in the
    /// profile), else the profile's.
    func accountClient(server: String?) throws -> ServerClient {
        if let server {
            _ = try config.update(profileName, changes: ["server": .string(server)])
        }
        return ServerClient(server: try serverClient().server, token: nil)
    }
}
