import CSSH2

#if canImport(Glibc)
    import Glibc
#endif

/// One authenticated SSH session with its SFTP channel, in libssh2's
/// blocking mode with a stall timeout. Used by one thread at a time (the
/// session pool hands it out); `isBroken` marks a session not to reuse.
final class SFTPConnection: @unchecked Sendable {
    let configuration: SFTPConfiguration
    let session: OpaquePointer
    let sftp: OpaquePointer
    private let socket: Int32
    /// Set when the session failed below SFTP (socket, timeout, protocol): close it, don't reuse.
    private(set) var isBroken = false
    /// Set when the last failure was the connection going away (not a timeout).
    private(set) var wasDisconnected = false

    /// Connects, checks the host key, logs in and opens the SFTP channel.
    static func open(_ configuration: SFTPConfiguration, warn: @Sendable (String) -> Void) throws(RemoteError)
        -> SFTPConnection
    {
        SSHLibrary.initialize()
        let socket = try SocketConnector.connect(configuration)
        guard let session = cssh2_session_new() else {
            Glibc.close(socket)
            throw RemoteError(
                .other, protocolName: "sftp", location: configuration.location, reason: "cannot start an SSH session")
        }
        do throws(RemoteError) {
            libssh2_session_set_blocking(session, 1)
            libssh2_session_set_timeout(session, Int(configuration.stallTimeout * 1000))
            try check(
                libssh2_session_handshake(session, libssh2_socket_t(socket)), session: session,
                configuration: configuration, doing: "SSH handshake")
            try HostKeyCheck.verify(session: session, configuration: configuration, warn: warn)
            try authenticate(session, configuration)
            guard let sftp = libssh2_sftp_init(session) else {
                try check(
                    libssh2_session_last_errno(session), session: session, configuration: configuration,
                    doing: "starting SFTP (is the sftp subsystem enabled on the server?)")
                throw RemoteError(
                    .other, protocolName: "sftp", location: configuration.location,
                    reason: "the server did not start its SFTP subsystem")
            }
            return SFTPConnection(configuration: configuration, session: session, sftp: sftp, socket: socket)
        } catch {
            libssh2_session_set_timeout(session, 2000)
            _ = cssh2_disconnect(session)
            libssh2_session_free(session)
            Glibc.close(socket)
            throw error
        }
    }

    private init(configuration: SFTPConfiguration, session: OpaquePointer, sftp: OpaquePointer, socket: Int32) {
        self.configuration = configuration
        self.session = session
        self.sftp = sftp
        self.socket = socket
    }

    /// Ends the session (politely, with a short timeout) and frees it.
    func close() {
        libssh2_session_set_timeout(session, 2000)
        if !isBroken {
            libssh2_sftp_shutdown(sftp)
            _ = cssh2_disconnect(session)
        }
        libssh2_session_free(session)
        Glibc.close(socket)
    }

    /// How errors say the connection went away.
    static let connectionLost = "the connection was lost"

    /// Marks the session unusable (e.g. a transfer was abandoned midway).
    func markBroken() { isBroken = true }

    // MARK: Errors

    /// The error for a failed libssh2 call (`code` < 0); SFTP status codes
    /// keep the session usable, anything else breaks it.
    func failure(_ code: Int, doing: String, file: String?) -> RemoteError {
        if code == Int(LIBSSH2_ERROR_SFTP_PROTOCOL) {
            let status = libssh2_sftp_last_error(sftp)
            let (kind, reason) = Self.describe(sftpStatus: status)
            return RemoteError(
                kind, protocolName: "sftp", location: configuration.location, reason: "\(doing): \(reason)",
                file: file)
        }
        isBroken = true
        wasDisconnected = [
            LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_DISCONNECT,
            LIBSSH2_ERROR_CHANNEL_CLOSED, LIBSSH2_ERROR_CHANNEL_EOF_SENT,
        ].contains(Int32(code))
        return Self.sessionFailure(Int32(code), session: session, configuration: configuration, doing: doing)
            .with(file: file)
    }

    /// Throws unless `code` is a success (>= 0).
    static func check(
        _ code: Int32, session: OpaquePointer, configuration: SFTPConfiguration, doing: String
    ) throws(RemoteError) {
        if code < 0 { throw sessionFailure(code, session: session, configuration: configuration, doing: doing) }
    }

    static func sessionFailure(
        _ code: Int32, session: OpaquePointer, configuration: SFTPConfiguration, doing: String
    ) -> RemoteError {
        let detail = String(cString: cssh2_last_error(session))
        let kind: RemoteError.Kind
        let reason: String
        switch code {
        case LIBSSH2_ERROR_TIMEOUT:
            kind = .transient
            reason = "\(doing): the server did not answer within \(Int(configuration.stallTimeout)) s"
        case LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_DISCONNECT,
            LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_BANNER_SEND,
            LIBSSH2_ERROR_CHANNEL_CLOSED, LIBSSH2_ERROR_CHANNEL_EOF_SENT, LIBSSH2_ERROR_CHANNEL_FAILURE:
            kind = .transient
            reason = "\(doing): \(connectionLost) (\(detail.isEmpty ? "code \(code)" : detail))"
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
            kind = .authentication
            reason = "\(doing): \(detail)"
        default:
            kind = .other
            reason = "\(doing): \(detail.isEmpty ? "libssh2 error \(code)" : detail)"
        }
        return RemoteError(kind, protocolName: "sftp", location: configuration.location, reason: reason)
    }

    static func describe(sftpStatus status: UInt) -> (RemoteError.Kind, String) {
        switch status {
        case LIBSSH2_FX_NO_SUCH_FILE, LIBSSH2_FX_NO_SUCH_PATH: (.notFound, "no such file or folder")
        case LIBSSH2_FX_PERMISSION_DENIED: (.permissionDenied, "permission denied")
        case LIBSSH2_FX_FILE_ALREADY_EXISTS: (.other, "already exists")
        case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM, LIBSSH2_FX_QUOTA_EXCEEDED: (.other, "no space left on the server")
        case LIBSSH2_FX_WRITE_PROTECT: (.permissionDenied, "the server's file system is read-only")
        case LIBSSH2_FX_NOT_A_DIRECTORY: (.other, "not a folder")
        case LIBSSH2_FX_CONNECTION_LOST, LIBSSH2_FX_NO_CONNECTION: (.transient, "the connection was lost")
        default: (.other, "the server answered with SFTP status \(status)")
        }
    }

    // MARK: Login

    private static func authenticate(_ session: OpaquePointer, _ configuration: SFTPConfiguration) throws(RemoteError) {
        let user = configuration.username
        let code: Int32
        let what: String
        switch configuration.authentication {
        case .password(let password):
            what = "the password for user \(user)"
            code = cssh2_auth_password(session, user, password)
        case .privateKey(let key, let passphrase):
            what = "the private key (credentials.private_key) for user \(user)"
            code = key.withCString { text in
                cssh2_auth_key_memory(session, user, text, strlen(text), passphrase)
            }
        case .privateKeyFile(let path, let passphrase):
            what = "the private key \(path) for user \(user)"
            code = cssh2_auth_key_file(session, user, path, passphrase)
        }
        guard code < 0 else { return }
        let location = configuration.location
        switch code {
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
            var reason = "the server refused \(what)"
            if let methods = cssh2_auth_list(session, user).map({ String(cString: $0) }) {
                reason += " (it accepts: \(methods))"
            }
            throw RemoteError(.authentication, protocolName: "sftp", location: location, reason: reason)
        case LIBSSH2_ERROR_FILE, LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
            throw RemoteError(
                .authentication, protocolName: "sftp", location: location,
                reason:
                    "cannot use \(what): unreadable, wrong passphrase or unsupported key format (ed25519 or PEM keys work)"
            )
        default:
            throw sessionFailure(code, session: session, configuration: configuration, doing: "logging in")
        }
    }
}

extension RemoteError {
    func with(file: String?) -> RemoteError {
        var copy = self
        if copy.file == nil { copy.file = file }
        return copy
    }
}

/// libssh2's process-wide setup, done once.
enum SSHLibrary {
    private static let initialized: Bool = libssh2_init(0) == 0

    static func initialize() { _ = initialized }
}
