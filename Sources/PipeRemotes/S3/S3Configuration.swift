/// Access key, secret and optional session token. Printing it never shows the secrets.
public struct S3Credentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Present with temporary (STS) credentials; sent as `x-amz-security-token`.
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "S3Credentials(accessKeyID: \(accessKeyID), secret: ***)" }
}

/// A settings value the S3 remote cannot work with; `field` names it.
public struct S3ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// Everything `S3Remote` needs: where the objects are, how to reach and
/// sign for them, and how to move big files.
public struct S3Configuration: Sendable, Equatable {
    public var bucket: String
    /// Key prefix of the pipe's files: empty, or ending in `/`.
    public var prefix: String
    public var region: String
    /// nil: AWS (virtual-hosted `https://bucket.s3.region.amazonaws.com`);
    /// otherwise a custom server (MinIO, moto, …) addressed path-style.
    public var endpoint: S3Endpoint?
    public var credentials: S3Credentials
    /// Files of at least this many bytes go up as multipart uploads.
    public var multipartThreshold: Int64 = 64 << 20
    /// Size of each multipart part (S3's minimum is 5 MiB, except the last).
    public var partSize: Int64 = 16 << 20
    /// Parts of one file uploaded at once.
    public var partConcurrency = 4
    /// Tries per request when failures are transient (timeouts, resets, 5xx).
    public var maxAttempts = 3

    public static let defaultRegion = "us-east-1"

    /// `prefix` is normalised (no leading `/`, a trailing `/` unless empty).
    public init(
        bucket: String, prefix: String = "", region: String = S3Configuration.defaultRegion,
        endpoint: S3Endpoint? = nil, credentials: S3Credentials
    ) throws(S3ConfigurationError) {
        try S3Location.checkBucket(bucket)
        guard !region.isEmpty, region.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || isAlphanumeric($0) }) else {
            throw S3ConfigurationError(field: "region", reason: "\"\(region)\" is not a region name (e.g. us-east-1)")
        }
        self.bucket = bucket
        self.prefix = try S3Location.normalizedPrefix(prefix)
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
    }

    /// The region from `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1.
    public static func region(fromEnvironment environment: [String: String]) -> String {
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        return defaultRegion
    }

    /// Bucket names that work as a DNS label over TLS; others go path-style.
    var isVirtualHostable: Bool {
        bucket.utf8.count <= 63
            && bucket.utf8.allSatisfy { $0 == UInt8(ascii: "-") || (isAlphanumeric($0) && !isUppercase($0)) }
    }
}

/// `s3://bucket/prefix/` split into its parts.
public struct S3Location: Sendable, Equatable {
    public var bucket: String
    /// Empty, or ending in `/`.
    public var prefix: String

    /// Parses `s3://bucket`, `s3://bucket/`, `s3://bucket/some/prefix[/]`.
    public static func parse(_ url: String) throws(S3ConfigurationError) -> S3Location {
        guard url.hasPrefix("s3://") else {
            throw S3ConfigurationError(field: "location", reason: "\"\(url)\" does not start with s3://")
        }
        let rest = url.dropFirst(5)
        let bucket = String(rest.prefix { $0 != "/" })
        try checkBucket(bucket)
        let prefix = try normalizedPrefix(String(rest.dropFirst(bucket.count)))
        return S3Location(bucket: bucket, prefix: prefix)
    }

    static func checkBucket(_ bucket: String) throws(S3ConfigurationError) {
        let allowed = bucket.utf8.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
        }
        guard (3...255).contains(bucket.utf8.count), allowed else {
            throw S3ConfigurationError(
                field: "bucket",
                reason: "\"\(bucket)\" is not a bucket name (3-63 letters, digits, '-' or '.')")
        }
    }

    static func normalizedPrefix(_ prefix: String) throws(S3ConfigurationError) -> String {
        var trimmed = Substring(prefix)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty { return "" }
        if let problem = RemoteName.problem(with: String(trimmed)) {
            throw S3ConfigurationError(field: "prefix", reason: problem)
        }
        return trimmed + "/"
    }
}

/// A custom S3 endpoint: `http://127.0.0.1:9000`, `https://minio.example.com`.
public struct S3Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    /// Host name or IP (IPv6 in brackets).
    public var host: String
    public var port: Int?

    public init(scheme: String, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses `scheme://host[:port][/]`; paths, users and queries are refused.
    public static func parse(_ url: String) throws(S3ConfigurationError) -> S3Endpoint {
        let invalid = S3ConfigurationError(
            field: "endpoint", reason: "\"\(url)\" is not an endpoint URL like http://host:port")
        guard let separator = url.firstRange(of: "://") else { throw invalid }
        let scheme = url[..<separator.lowerBound].lowercased()
        var authority = Substring(url[separator.upperBound...])
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard scheme == "http" || scheme == "https", !authority.isEmpty,
            !authority.contains(where: { "/?#@ ".contains($0) })
        else { throw invalid }
        var host = String(authority)
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                throw invalid
            }
            host = String(authority[..<colon])
            port = number
        }
        guard !host.isEmpty else { throw invalid }
        return S3Endpoint(scheme: scheme, host: host.lowercased(), port: port)
    }

    /// `host[:port]` as the `Host` header carries it (default ports left out).
    public var authority: String {
        guard let port, port != (scheme == "https" ? 443 : 80) else { return host }
        return "\(host):\(port)"
    }

    public var description: String { "\(scheme)://\(authority)" }
}

private func isAlphanumeric(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || isUppercase(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
}

private func isUppercase(_ byte: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }
