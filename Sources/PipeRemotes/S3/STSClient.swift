/// AWS STS (or an STS-compatible endpoint such as moto's) for temporary,
/// scoped credentials: `AssumeRole` with an inline session policy. The repo
/// server hands such keys out for managed pipes.
public struct STSClient: Sendable {
    /// nil: `https://sts.<region>.amazonaws.com`.
    public let endpoint: S3Endpoint?
    public let region: String
    /// The caller's own (long-lived) keys, which sign the request.
    public let credentials: S3Credentials
    let client: CurlHTTPClient

    public init(endpoint: S3Endpoint?, region: String, credentials: S3Credentials) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.client = .shared
    }

    /// Keys for `roleARN`, limited by `policy` (IAM JSON) and valid `seconds` (900 to 43,200).
    public func assumeRole(roleARN: String, sessionName: String, policy: String, seconds: Int) async throws
        -> TemporaryCredentials
    {
        let server = endpoint ?? S3Endpoint(scheme: "https", host: "sts.\(region).amazonaws.com")
        let host = server.authority
        let base = server.description
        let form = URIEncoding.query([
            ("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", sessionName), ("Policy", policy), ("DurationSeconds", String(seconds)),
        ])
        let body = Array(form.utf8)
        var headers: [(name: String, value: String)] = [
            ("host", host), ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
        ]
        let signer = SigV4Signer(credentials: credentials, region: region, service: "sts")
        headers += signer.sign(
            method: "POST", path: "/", query: "", headers: headers, payloadHash: Hex.encode(S3Crypto.sha256(body)),
            date: AmzDate())
        let location = "sts \(base)"
        let response: HTTPResponse
        do {
            response = try await client.perform(
                HTTPRequest(method: "POST", url: base + "/", headers: headers, body: .bytes(body)))
        } catch let failure as HTTPTransportError {
            throw RemoteError(
                failure.isTransient ? .transient : .other, protocolName: "s3", location: location,
                reason: failure.reason)
        }
        let xml = S3XML(response.body)
        guard response.status == 200 else {
            let code = xml.value("Code") ?? ""
            let message = xml.value("Message") ?? ""
            throw RemoteError(
                response.status == 403 ? .permissionDenied : .other, protocolName: "s3", location: location,
                reason: "AssumeRole: HTTP \(response.status) \(code)\(message.isEmpty ? "" : ": " + message)")
        }
        guard let keys = xml.elements("Credentials").first, let id = keys.value("AccessKeyId"),
            let secret = keys.value("SecretAccessKey"), let token = keys.value("SessionToken"),
            let expiration = keys.value("Expiration")
        else {
            throw RemoteError(
                .invalidResponse, protocolName: "s3", location: location,
                reason: "AssumeRole: no Credentials in the answer")
        }
        return TemporaryCredentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }
}

/// Keys that expire: what `STSClient.assumeRole` answers.
public struct TemporaryCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String
    /// ISO 8601, as STS writes it.
    public var expiration: String
}
