#if canImport(Glibc)
    import Glibc
#endif

/// One S3 API call before addressing and signing.
struct S3Request: Sendable {
    var method: String
    /// The full object key (prefix included); nil addresses the bucket.
    var key: String?
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: HTTPRequestBody = .empty
    /// SHA-256 (hex) of `body`.
    var payloadHash = SigV4Signer.emptyPayloadHash

    /// A request whose small body is hashed here.
    static func withBody(_ method: String, key: String?, query: [(name: String, value: String)], body: [UInt8])
        -> S3Request
    {
        S3Request(
            method: method, key: key, query: query, body: .bytes(body),
            payloadHash: Hex.encode(S3Crypto.sha256(body)))
    }
}

extension S3Configuration {
    /// Scheme and authority, the `Host` header, and the encoded path of `key`
    /// (nil: the bucket). Custom endpoints and bucket names that are not DNS
    /// labels are addressed path-style, AWS buckets virtual-hosted.
    func address(forKey key: String?) -> (base: String, host: String, path: String) {
        let encodedKey = key.map { "/" + URIEncoding.encode($0, keepingSlash: true) }
        if let endpoint {
            let path = "/" + URIEncoding.encode(bucket) + (encodedKey ?? "")
            return ("\(endpoint.scheme)://\(endpoint.authority)", endpoint.authority, path)
        }
        if isVirtualHostable {
            let host = "\(bucket).s3.\(region).amazonaws.com"
            return ("https://\(host)", host, encodedKey ?? "/")
        }
        let host = "s3.\(region).amazonaws.com"
        return ("https://\(host)", host, "/" + URIEncoding.encode(bucket) + (encodedKey ?? ""))
    }
}

extension S3Remote {
    /// Signs and sends one request; a non-2xx status becomes a `RemoteError`.
    func send(
        _ request: S3Request, file: String?, sink: HTTPResponseSink = .smallBody, progress: TransferProgress? = nil
    ) async throws -> HTTPResponse {
        let response = try await sendUnchecked(request, file: file, sink: sink, progress: progress)
        guard (200..<300).contains(response.status) else { throw error(for: response, file: file) }
        return response
    }

    /// Signs and sends one request; any HTTP status is returned.
    func sendUnchecked(
        _ request: S3Request, file: String?, sink: HTTPResponseSink = .smallBody, progress: TransferProgress? = nil
    ) async throws -> HTTPResponse {
        let http = signed(request, date: AmzDate())
        do {
            return try await client.perform(http, sink: sink, progress: progress)
        } catch let failure as HTTPTransportError {
            throw RemoteError(
                failure.isTransient ? .transient : .other, protocolName: protocolName, location: location,
                reason: failure.reason, file: file)
        } catch let failure as FileSystemError {
            throw localError(failure, file: file)
        }
    }

    /// The HTTP request for `request`: addressed, with the URL curl sends
    /// exactly as signed, and signed at `date`.
    func signed(_ request: S3Request, date: AmzDate) -> HTTPRequest {
        let address = configuration.address(forKey: request.key)
        let query = URIEncoding.query(request.query)
        var headers = [("host", address.host)] + request.headers
        headers += signer.sign(
            method: request.method, path: address.path, query: query, headers: headers,
            payloadHash: request.payloadHash, date: date)
        let url = address.base + address.path + (query.isEmpty ? "" : "?" + query)
        return HTTPRequest(method: request.method, url: url, headers: headers, body: request.body)
    }

    /// Runs `operation` up to `maxAttempts` times while it fails transiently,
    /// backing off 0.2 s, 0.8 s, … (with jitter) in between.
    func retrying<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let failure as RemoteError where failure.isTransient && attempt < configuration.maxAttempts {
                let delay = 200 << (2 * (attempt - 1)) + Int.random(in: 0..<100)
                try await Task.sleep(for: .milliseconds(delay))
                attempt += 1
            }
        }
    }

    /// The `RemoteError` an S3 error response stands for.
    func error(for response: HTTPResponse, file: String?) -> RemoteError {
        let body = S3ErrorBody.parse(response.body)
        let code = body?.code ?? ""
        var reason = "HTTP \(response.status)" + (code.isEmpty ? "" : " \(code)")
        if let message = body?.message, !message.isEmpty { reason += ": \(message)" }
        if let region = response.headers["x-amz-bucket-region"], region != configuration.region {
            reason += " (the bucket is in region \(region), not \(configuration.region))"
        }
        return RemoteError(
            Self.kind(status: response.status, code: code), protocolName: protocolName, location: location,
            reason: reason, file: file)
    }

    static func kind(status: Int, code: String) -> RemoteError.Kind {
        let authentication: Set = [
            "SignatureDoesNotMatch", "InvalidAccessKeyId", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
            "AuthorizationHeaderMalformed", "RequestTimeTooSkewed", "InvalidClientTokenId", "MissingSecurityHeader",
        ]
        let transient: Set = ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling"]
        if authentication.contains(code) { return .authentication }
        if status == 404 || ["NoSuchKey", "NoSuchBucket", "NoSuchUpload"].contains(code) { return .notFound }
        if status == 403 { return .permissionDenied }
        if status >= 500 || status == 429 || transient.contains(code) { return .transient }
        return .other
    }

    /// A local file failure (source or destination) as a `RemoteError`: kind
    /// `.other`, so it is never mistaken for a missing or forbidden object.
    func localError(_ failure: FileSystemError, file: String?) -> RemoteError {
        RemoteError(.other, protocolName: protocolName, location: location, reason: failure.description, file: file)
    }

    func invalidResponse(_ reason: String, file: String? = nil) -> RemoteError {
        RemoteError(.invalidResponse, protocolName: protocolName, location: location, reason: reason, file: file)
    }

    /// The content md5 a GET or HEAD response vouches for: a plain-md5 ETag,
    /// else the `x-amz-meta-md5` metadata datapipe writes on uploads.
    static func contentMD5(in headers: [String: String]) -> String? {
        let etag = unquoted(headers["etag"] ?? "")
        if isPlainMD5(etag) { return etag.lowercased() }
        guard let meta = headers["x-amz-meta-md5"], isPlainMD5(meta) else { return nil }
        return meta.lowercased()
    }
}
