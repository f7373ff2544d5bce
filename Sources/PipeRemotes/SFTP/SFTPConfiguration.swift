/// How an SFTP remote logs in: a password or a private key (PEM/OpenSSH
/// text or a file), never printed.
public enum SFTPAuthentication: Sendable, CustomStringConvertible {
    case password(String)
    case privateKey(String, passphrase: String?)
    case privateKeyFile(String, passphrase: String?)

    public var description: String {
        switch self {
        case .password: "password"
        case .privateKey: "private key"
        case .privateKeyFile(let path, _): "private key \(path)"
        }
    }
}

/// Where an SFTP remote lives and how to reach it.
public struct SFTPConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The pipe's folder on the server: absolute, or relative to the login folder.
    public var root: String
    public var username: String
    public var authentication: SFTPAuthentication
    /// The known_hosts file host keys are checked against and recorded in
    /// (first contact); nil checks nothing unless `pinnedHostKey` is set.
    public var knownHostsPath: String?
    /// `SHA256:<base64>` or `<type> <base64 key>`: only this host key is accepted.
    public var pinnedHostKey: String?
    /// At most this many SSH sessions (one per concurrent transfer).
    public var maxSessions: Int
    /// Seconds to wait for the TCP connection.
    public var connectTimeout: Double
    /// Seconds any one SSH exchange may stall before the transfer fails.
    public var stallTimeout: Double
    /// Bytes per read or write call; libssh2 pipelines requests within one call.
    public var chunkSize: Int

    public init(
        host: String, port: Int = 22, root: String, username: String, authentication: SFTPAuthentication,
        knownHostsPath: String? = nil, pinnedHostKey: String? = nil, maxSessions: Int = 4,
        connectTimeout: Double = 15, stallTimeout: Double = 25, chunkSize: Int = 4 << 20
    ) {
        self.host = host
        self.port = port
        self.root = Self.normalized(root)
        self.username = username
        self.authentication = authentication
        self.knownHostsPath = knownHostsPath
        self.pinnedHostKey = pinnedHostKey
        self.maxSessions = max(1, maxSessions)
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.chunkSize = max(32 << 10, chunkSize)
    }

    /// `host` or `host:port`, as errors name it (no user, no secret).
    public var location: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return port == 22 ? shown : "\(shown):\(port)"
    }

    public var description: String { "sftp://\(username)@\(location)\(root.hasPrefix("/") ? "" : "/")\(root)" }

    /// The server path of `name` (a checked relative name; "" is the root).
    func path(_ name: String) -> String {
        if name.isEmpty { return root }
        return root == "/" ? "/" + name : root + "/" + name
    }

    private static func normalized(_ root: String) -> String {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        return root.isEmpty ? "." : root
    }
}
