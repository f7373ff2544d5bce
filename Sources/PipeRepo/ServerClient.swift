import PipeJSON
import PipeRemotes

/// JSON over HTTP to a repo server's `/v1/api/`, through the process-wide
/// libcurl client, with `Authorization: Token <token>` when a token is set.
public struct ServerClient: Sendable {
    /// The server's base URL as the profile holds it (`http://host:port`).
    public let server: String
    let token: String?

    public init(server: String, token: String?) {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1/api") { base.removeLast("/v1/api".count) }
        self.server = base
        self.token = token
    }

    /// Sends `method path` (relative to `/v1/api/`) and returns the body
    /// (`null` when empty). A non-2xx answer throws `ServerRepoError`.
    /// `headers`, when given, sees the answer's headers (names lowercased).
    public func send(
        _ method: String, _ path: String, body: JSONObject? = nil,
        headers seeHeaders: (([String: String]) -> Void)? = nil
    ) async throws -> JSON {
        var headers: [(name: String, value: String)] = [(name: "Accept", value: "application/json")]
        if let token { headers.append((name: "Authorization", value: "Token \(token)")) }
        var requestBody = HTTPRequestBody.empty
        if let body {
            headers.append((name: "Content-Type", value: "application/json"))
            requestBody = .bytes(JSON.object(body).serialized())
        }
        let request = HTTPRequest(method: method, url: server + "/v1/api/" + path, headers: headers, body: requestBody)
        let response: HTTPResponse
        do {
            response = try await CurlHTTPClient.shared.perform(request)
        } catch let error as HTTPTransportError {
            throw ServerRepoError(kind: .unreachable, server: server, path: path, status: nil, reason: error.reason)
        }
        let parsed: JSON? = response.body.isEmpty ? .null : try? JSON.parse(response.body)
        guard (200..<300).contains(response.status) else {
            throw ServerRepoError(
                kind: Self.kind(response.status), server: server, path: path, status: response.status,
                reason: Self.reason(parsed, raw: response.body))
        }
        guard let parsed else {
            throw ServerRepoError(
                kind: .server, server: server, path: path, status: response.status, reason: "the answer is not JSON")
        }
        seeHeaders?(response.headers)
        return parsed
    }

    static func kind(_ status: Int) -> ServerRepoError.Kind {
        switch status {
        case 401: .unauthorized
        case 403: .permissionDenied
        case 404: .notFound
        case 400, 409: .invalid
        default: .server
        }
    }

    /// DRF's `{"detail": …}` or `{"field": [msg]}` as one line.
    static func reason(_ body: JSON?, raw: [UInt8]) -> String {
        if case .object(let object)? = body {
            if let detail = object["detail"]?.stringValue { return detail }
            return object.keys.sorted().map { key in
                let value = object[key]!
                let text = value.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? value.description
                return "\(key): \(text)"
            }.joined(separator: "; ")
        }
        return String(decoding: raw.prefix(300), as: UTF8.self)
    }
}
