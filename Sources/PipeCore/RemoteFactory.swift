import PipeJSON
import PipeRemotes

/// Opens the remote store a pipe's settings describe.
public enum RemoteFactory {
    /// The store for reading (`write: false`) or writing, with the matching credentials.
    public static func open(_ settings: PipeSettings, write: Bool, hashes: HashCache) throws -> RemoteStore {
        switch settings.protocolName {
        case "file":
            guard let remotepath = settings.remotepath else {
                throw SettingsError(field: "options.remotepath", reason: "required for file pipes")
            }
            return FileRemote(root: Paths.expandingTilde(remotepath), fingerprints: hashes)
        case "s3":
            return S3Remote(try s3Configuration(settings, write: write))
        case "ftp":
            return FTPRemote(try ftpConfiguration(settings, write: write))
        case "sftp":
            throw SettingsError(
                field: "protocol",
                reason: "\(settings.protocolName) remotes are not available in this build yet (see README: status)")
        default:
            throw SettingsError(field: "protocol", reason: "\(settings.protocolName) pipes need server mode")
        }
    }

    /// S3 settings as d6tpipe users write them: `options.remotepath`
    /// (`s3://bucket/prefix/`) or `location` (the bucket); `options.endpoint_url`
    /// (else `AWS_ENDPOINT_URL`) for S3-compatible servers; `options.region`
    /// (else `AWS_REGION`, `AWS_DEFAULT_REGION`, us-east-1); credentials from the
    /// settings (`aws_access_key_id`, `aws_secret_access_key`,
    /// `aws_session_token`, or d6tpipe's `key`/`secret`), else the AWS env vars.
    static func s3Configuration(_ settings: PipeSettings, write: Bool) throws -> S3Configuration {
        do {
            let location: S3Location
            if let remotepath = settings.remotepath {
                location = try S3Location.parse(remotepath)
            } else {
                location = try S3Location.parse("s3://" + (settings.location ?? ""))
            }
            let endpointURL =
                settings.options["endpoint_url"]?.stringValue ?? ProcessEnvironment.value("AWS_ENDPOINT_URL")
            let region =
                settings.options["region"]?.stringValue ?? ProcessEnvironment.value("AWS_REGION")
                ?? ProcessEnvironment.value("AWS_DEFAULT_REGION") ?? S3Configuration.defaultRegion
            return try S3Configuration(
                bucket: location.bucket, prefix: location.prefix, region: region,
                endpoint: try endpointURL.map { url throws(S3ConfigurationError) in try S3Endpoint.parse(url) },
                credentials: try s3Credentials(settings.credentials(write: write)))
        } catch let error as S3ConfigurationError {
            let field =
                [
                    "bucket": "options.remotepath", "prefix": "options.remotepath", "location": "options.remotepath",
                    "endpoint": "options.endpoint_url", "region": "options.region",
                ][error.field] ?? error.field
            throw SettingsError(field: field, reason: error.reason)
        }
    }

    private static func s3Credentials(_ given: JSONObject) throws -> S3Credentials {
        func value(_ keys: [String], environment: String) -> String? {
            for key in keys { if let text = given[key]?.stringValue, !text.isEmpty { return text } }
            return ProcessEnvironment.value(environment)
        }
        guard let keyID = value(["aws_access_key_id", "key"], environment: "AWS_ACCESS_KEY_ID"),
            let secret = value(["aws_secret_access_key", "secret"], environment: "AWS_SECRET_ACCESS_KEY")
        else {
            throw SettingsError(
                field: "credentials",
                reason:
                    "an s3 pipe needs aws_access_key_id and aws_secret_access_key (in the settings or the AWS env vars)"
            )
        }
        let token =
            given["aws_session_token"]?.stringValue
            ?? (given.isEmpty ? ProcessEnvironment.value("AWS_SESSION_TOKEN") : nil)
        return S3Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token)
    }
}
