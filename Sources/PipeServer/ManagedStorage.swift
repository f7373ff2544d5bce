import PipeJSON
import PipeRemotes

/// The server's own bucket for managed pipes (d6tpipe's `d6tfree`): a pipe
/// registered with a name alone gets `s3://bucket/prefix/<owner>/<name>/`,
/// and its users get short-lived keys from STS scoped to that folder (read
/// or write), never the server's own.
public struct ManagedStorage: Sendable {
    public var bucket: String
    /// Empty, or ending in `/`.
    public var prefix: String
    /// A custom S3 and STS endpoint (an S3-compatible server); nil for AWS.
    public var endpoint: S3Endpoint?
    public var region: String
    /// The role STS assumes; the session policy narrows it to one pipe.
    public var roleARN: String
    /// The server's own keys: they sign the STS requests, and are never handed out.
    public var credentials: S3Credentials
    /// How long issued keys live, in seconds (STS allows 900 to 43,200).
    public var lifetime: Int

    public init(
        location: String, endpoint: S3Endpoint?, region: String, roleARN: String, credentials: S3Credentials,
        lifetime: Int
    ) throws(S3ConfigurationError) {
        let parsed = try S3Location.parse(location)
        bucket = parsed.bucket
        prefix = parsed.prefix
        self.endpoint = endpoint
        self.region = region
        self.roleARN = roleARN
        self.credentials = credentials
        self.lifetime = lifetime
    }

    /// The key prefix of a managed pipe: `<prefix><owner>/<name>/`, then each child's `dir`.
    func keyPrefix(owner: String, name: String, dirs: [String]) -> String {
        ([prefix + owner, name] + dirs.map { $0.trimmingCharacters(in: ["/"]) }).joined(separator: "/") + "/"
    }

    /// The settings the server writes into a managed pipe (the user's own are overridden).
    func settings(keyPrefix: String) -> JSONObject {
        var options: JSONObject = ["remotepath": .string("s3://\(bucket)/\(keyPrefix)"), "region": .string(region)]
        if let endpoint { options["endpoint_url"] = .string(endpoint.description) }
        return ["protocol": "s3", "options": .object(options)]
    }

    /// The session policy for `role` on `keyPrefix`: list under it, read its
    /// objects, and for `write` also put and delete them.
    func policy(role: String, keyPrefix: String) -> String {
        var actions = ["s3:GetObject"]
        if role == "write" {
            actions += ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
        }
        let policy: JSON = [
            "Version": "2012-10-17",
            "Statement": [
                [
                    "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": .string("arn:aws:s3:::\(bucket)"),
                    "Condition": ["StringLike": ["s3:prefix": [.string(keyPrefix + "*")]]],
                ],
                [
                    "Effect": "Allow", "Action": .array(actions.map(JSON.string)),
                    "Resource": .string("arn:aws:s3:::\(bucket)/\(keyPrefix)*"),
                ],
            ],
        ]
        return String(describing: policy)
    }
}
