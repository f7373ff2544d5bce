import Foundation
import Hummingbird
import Logging
import NIOCore
import PipeJSON

/// Routes `/v1/api/…` (trailing slash or not) to the `PipeService`, turns
/// its answers and refusals into JSON responses, caps request bodies, and
/// logs one line per request (method, path, status, user; never bodies,
/// headers or query strings).
struct APIResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let service: PipeService
    let maxBodyBytes: Int
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        var user: String?
        let response: Response
        do {
            // Registering and logging in ignore the Authorization header: d6tpipe
            // sends its stored token along, and a stale one must not block a login.
            let parts = request.uri.path.split(separator: "/")
            let anonymous = request.method == .post && parts.count >= 3 && parts[2] == "accounts" && parts.count <= 4
            let caller = anonymous ? nil : try await authenticate(request)
            user = caller?.username
            response = try await route(request, caller: caller)
        } catch let error as APIError {
            response = Self.json(error.status, error.body)
        } catch {
            logger.error("\(request.method) \(request.uri.path): \(error)")
            response = Self.json(500, .object(["detail": "Internal server error."]))
        }
        let elapsed = ContinuousClock.now - started
        let millis = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", millis)) ms user=\(user ?? "-")"
        )
        return response
    }

    private func route(_ request: Request, caller: UserRecord?) async throws -> Response {
        let parts = request.uri.path.split(separator: "/").map(String.init)
        guard parts.count >= 2, parts[0] == "v1", parts[1] == "api" else { throw APIError.notFound }
        let path = Array(parts.dropFirst(2))
        let method = request.method
        let body = try await readBody(request)

        func authed() throws(APIError) -> UserRecord {
            guard let caller else { throw APIError.unauthenticated }
            return caller
        }
        switch (method, path.count, path.first) {
        case (.get, 0, _):
            return Self.json(200, service.whoami(caller))
        case (.post, 1, "accounts"):
            return Self.json(201, try await service.register(try Body(body)))
        case (.post, 2, "accounts") where path[1] == "token":
            return Self.json(200, try await service.token(try Body(body)))
        case (.delete, 2, "accounts"):
            try await service.unregister(try authed(), username: path[1])
            return Response(status: .noContent)
        case (.get, 1, "pipes"):
            return Self.json(200, try await service.listPipes(try authed()))
        case (.post, 1, "pipes"):
            return Self.json(201, try await service.createPipe(try authed(), try Body(body)))
        case (.get, 2, "pipes"):
            return Self.json(200, try await service.getPipe(try authed(), name: path[1]))
        case (.put, 2, "pipes"), (.patch, 2, "pipes"):
            let answer = try await service.updatePipe(
                try authed(), name: path[1], try Body(body), replace: method == .put)
            return Self.json(200, answer)
        case (.delete, 2, "pipes"):
            try await service.deletePipe(try authed(), name: path[1])
            return Response(status: .noContent)
        case (.get, 3, "pipes") where path[2] == "permissions":
            return Self.json(200, try await service.listGrants(try authed(), name: path[1]))
        case (.post, 3, "pipes") where path[2] == "permissions":
            return Self.json(201, try await service.grant(try authed(), name: path[1], try Body(body)))
        case (.get, 3, "pipes") where path[2] == "credentials":
            let role = request.uri.queryParameters.get("role") ?? "read"
            let renew = Self.flag("renew", in: request)
            let answer = try await service.credentials(try authed(), name: path[1], role: role, renew: renew)
            var response = Self.json(200, answer.keys)
            // The expiry stays out of the body: d6tpipe hands the whole body to boto3.
            if let expires = answer.expires { response.headers[.init("X-Credentials-Expiration")!] = expires }
            return response
        case (.get, 3, "pipes") where path[2] == "files":
            let refresh = Self.flag("refresh", in: request)
            return Self.json(200, try await service.files(try authed(), name: path[1], refresh: refresh))
        case (.get, 3, "pipes") where path[2] == "changes":
            let since = request.uri.queryParameters.get("since")
            return Self.json(200, try await service.changes(try authed(), name: path[1], since: since))
        default:
            if Self.knownPath(path) {
                throw APIError.detail(405, "Method \"\(method)\" not allowed.")
            }
            throw APIError.notFound
        }
    }

    /// A yes/no query parameter: `true`, `1` or `yes` (any case) is yes.
    private static func flag(_ name: String, in request: Request) -> Bool {
        ["true", "1", "yes"].contains(request.uri.queryParameters.get(name)?.lowercased() ?? "")
    }

    private static func knownPath(_ path: [String]) -> Bool {
        switch (path.count, path.first) {
        case (0, _), (1, "accounts"), (2, "accounts"), (1, "pipes"), (2, "pipes"): true
        case (3, "pipes"): ["permissions", "credentials", "files", "changes"].contains(path[2])
        default: false
        }
    }

    /// The JSON body, at most `maxBodyBytes` (413 beyond); nil when empty.
    private func readBody(_ request: Request) async throws -> JSON? {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.detail(413, "Request body larger than \(maxBodyBytes) bytes.")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.detail(413, "Request body larger than \(maxBodyBytes) bytes.")
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSON.parse(Array(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("JSON parse error - \(error)")
        }
    }

    /// The caller named by `Authorization: Token <token>`; nil without the header.
    private func authenticate(_ request: Request) async throws -> UserRecord? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "token" else {
            throw APIError.detail(401, "Invalid token header: expected 'Token <token>'.")
        }
        return try await service.authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
    }

    static func json(_ status: Int, _ body: JSON) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.serialized()))
        )
    }
}
