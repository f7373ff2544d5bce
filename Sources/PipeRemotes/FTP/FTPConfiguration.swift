/// Where an FTP remote lives and how to log in. `description` never shows the password.
public struct FTPConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The pipe's folder as the server shows it (after any chroot), absolute;
    /// nil: the folder the server puts the user in at login.
    public var root: String?
    /// `anonymous` when the settings give none.
    public var username: String
    public var password: String
    /// Explicit TLS (`AUTH TLS`) on the control and data connections, required.
    public var tls: Bool
    /// Check the server's certificate and host name; off only for test servers.
    public var verifyTLS: Bool
    /// Seconds to connect and log in.
    public var connectSeconds = 10
    /// A transfer or reply that stalls this long fails (so errors come within 30 s).
    public var stallSeconds = 20

    public static let defaultPort = 21

    public init(
        host: String, port: Int = FTPConfiguration.defaultPort, root: String?, username: String?, password: String?,
        tls: Bool = false, verifyTLS: Bool = true
    ) throws(FTPConfigurationError) {
        guard !host.isEmpty, !host.contains("/"), !host.contains("@") else {
            throw FTPConfigurationError(field: "location", reason: "must be host or host:port, got \"\(host)\"")
        }
        guard (1...65535).contains(port) else {
            throw FTPConfigurationError(field: "location", reason: "port \(port) is outside 1-65535")
        }
        if let root {
            guard root.hasPrefix("/") else {
                throw FTPConfigurationError(
                    field: "remotepath", reason: "must be an absolute folder on the server, got \"\(root)\"")
            }
            if root.contains(where: { $0 == "\r" || $0 == "\n" }) || root.utf8.contains(0) {
                throw FTPConfigurationError(field: "remotepath", reason: "must not contain line breaks or NUL")
            }
        }
        for (field, value) in [("username", username), ("password", password)] {
            if let value, value.contains(where: { $0 == "\r" || $0 == "\n" }) || value.utf8.contains(0) {
                throw FTPConfigurationError(field: "credentials.\(field)", reason: "must not contain line breaks")
            }
        }
        self.host = host
        self.port = port
        self.root = root.map(Self.normalized)
        self.username = username.flatMap { $0.isEmpty ? nil : $0 } ?? "anonymous"
        self.password = password ?? ""
        self.tls = tls
        self.verifyTLS = verifyTLS
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    public static func parseLocation(_ location: String) throws(FTPConfigurationError) -> (host: String, port: Int) {
        var host = Substring(location)
        var portText: Substring?
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if rest.hasPrefix(":") { portText = rest.dropFirst() } else if !rest.isEmpty { portText = "" }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        if host.hasPrefix("ftp://") || host.hasPrefix("ftps://") || host.contains("/") {
            throw FTPConfigurationError(
                field: "location", reason: "must be host or host:port without a scheme or path, got \"\(location)\"")
        }
        guard let portText else { return (String(host), defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw FTPConfigurationError(field: "location", reason: "bad port in \"\(location)\"")
        }
        return (String(host), port)
    }

    /// `/a/b` without a trailing slash (`/` stays).
    static func normalized(_ root: String) -> String {
        let parts = root.split(separator: "/")
        return "/" + parts.joined(separator: "/")
    }

    public var description: String {
        "\(tls ? "ftps" : "ftp") \(username)@\(host):\(port)\(root ?? "")"
    }

    var login: FTPLogin {
        FTPLogin(
            host: host, port: port, username: username, password: password, tls: tls, verifyTLS: verifyTLS,
            connectSeconds: connectSeconds, stallSeconds: stallSeconds)
    }
}

/// A setting that cannot describe an FTP remote; `field` as the settings name it.
public struct FTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
