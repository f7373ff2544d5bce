import PipeJSON
import PipeRemotes

extension RemoteFactory {
    /// FTP settings as d6tpipe users write them: `location` is `host[:port]`
    /// (port 21 by default), `options.remotepath` the pipe's folder as the
    /// server shows it (after any chroot; the login folder when absent),
    /// credentials `username` and `password`, flat or split `read`/`write`.
    /// `options.tls: true` requires explicit TLS (`AUTH TLS`, often called
    /// FTPES) on port 21; `options.tls_verify: false` accepts any certificate
    /// (self-signed test servers only).
    static func ftpConfiguration(_ settings: PipeSettings, write: Bool) throws -> FTPConfiguration {
        let credentials = settings.credentials(write: write)
        let options = settings.options
        for key in ["tls", "tls_verify"] {
            if let value = options[key], value.boolValue == nil {
                throw SettingsError(field: "options.\(key)", reason: "must be true or false, got \(value)")
            }
        }
        do {
            let (host, port) = try FTPConfiguration.parseLocation(settings.location ?? "")
            return try FTPConfiguration(
                host: host, port: port, root: settings.remotepath, username: credentials["username"]?.stringValue,
                password: credentials["password"]?.stringValue, tls: options["tls"]?.boolValue ?? false,
                verifyTLS: options["tls_verify"]?.boolValue ?? true)
        } catch {
            let field = error.field == "remotepath" ? "options.remotepath" : error.field
            throw SettingsError(field: field, reason: error.reason)
        }
    }
}
