import Foundation
import PipeJSON
import PipeRemotes

extension RemoteFactory {
    /// SFTP settings as d6tpipe users write them: `location` = `host[:port]`,
    /// `options.remotepath` = the folder on the server; credentials
    /// `username` + `password`, or `private_key` (the key's text) /
    /// `private_key_path` (+ `passphrase`), flat or split `read`/`write`.
    /// Host keys are checked against `options.known_hosts` (a file), else
    /// `<profile>.known_hosts` beside the profile's database; `options.host_key`
    /// pins one (`SHA256:…` or `ssh-ed25519 AAAA…`). `options.sessions` caps
    /// concurrent SSH sessions (default 4), `options.timeout` the seconds a
    /// stalled exchange may take (default 25).
    static func sftpConfiguration(_ settings: PipeSettings, write: Bool, profileDatabase: String) throws
        -> SFTPConfiguration
    {
        let (host, port) = try sftpHost(settings.location)
        guard let remotepath = settings.remotepath, !remotepath.isEmpty else {
            throw SettingsError(
                field: "options.remotepath", reason: "required for sftp pipes: the folder on the server")
        }
        let credentials = settings.credentials(write: write)
        func text(_ key: String) -> String? {
            guard let value = credentials[key]?.stringValue, !value.isEmpty else { return nil }
            return value
        }
        guard let username = text("username") else {
            throw SettingsError(field: "credentials.username", reason: "required for sftp pipes")
        }
        let passphrase = text("passphrase")
        let authentication: SFTPAuthentication
        if let key = text("private_key") {
            authentication = .privateKey(key, passphrase: passphrase)
        } else if let path = text("private_key_path") {
            authentication = .privateKeyFile(Paths.expandingTilde(path), passphrase: passphrase)
        } else if let password = text("password") {
            authentication = .password(password)
        } else {
            throw SettingsError(
                field: "credentials", reason: "an sftp pipe needs a password, private_key or private_key_path")
        }
        let options = settings.options
        let knownHosts =
            options["known_hosts"]?.stringValue.map(Paths.expandingTilde)
            ?? (profileDatabase.hasSuffix(".sqlite") ? String(profileDatabase.dropLast(7)) : profileDatabase)
            + ".known_hosts"
        var configuration = SFTPConfiguration(
            host: host, port: port, root: remotepath, username: username, authentication: authentication,
            knownHostsPath: knownHosts, pinnedHostKey: options["host_key"]?.stringValue)
        if let sessions = options["sessions"]?.integerValue {
            guard sessions >= 1 else { throw SettingsError(field: "options.sessions", reason: "must be at least 1") }
            configuration.maxSessions = Int(sessions)
        }
        if let timeout = seconds(options["timeout"]) {
            guard timeout > 0 else { throw SettingsError(field: "options.timeout", reason: "must be positive") }
            configuration.stallTimeout = timeout
            configuration.connectTimeout = min(configuration.connectTimeout, timeout)
        }
        return configuration
    }

    private static func seconds(_ value: JSON?) -> Double? {
        switch value {
        case .integer(let number)?: Double(number)
        case .double(let number)?: number
        default: nil
        }
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func sftpHost(_ location: String?) throws -> (String, Int) {
        guard let location = location?.trimmingCharacters(in: .whitespaces), !location.isEmpty else {
            throw SettingsError(field: "location", reason: "required for sftp pipes: host or host:port")
        }
        var host = location
        var portText: Substring?
        if location.hasPrefix("["), let close = location.firstIndex(of: "]") {
            host = String(location[location.index(after: location.startIndex)..<close])
            let rest = location[location.index(after: close)...]
            if rest.hasPrefix(":") { portText = rest.dropFirst() }
        } else if let colon = location.lastIndex(of: ":"), location.firstIndex(of: ":") == colon {
            host = String(location[..<colon])
            portText = location[location.index(after: colon)...]
        }
        var port = 22
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw SettingsError(field: "location", reason: "port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = number
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains("@") else {
            throw SettingsError(field: "location", reason: "\"\(location)\" is not host or host:port")
        }
        return (host, port)
    }
}
