import CCurl

extension FTPTransportError {
    var curlCode: CURLcode { CURLcode(rawValue: UInt32(clamping: code)) }

    /// A quote command starting with `prefix` got an error reply.
    func failedCommand(startingWith prefix: String) -> Bool {
        curlCode == CURLE_QUOTE_ERROR && lastReply?.command.uppercased().hasPrefix(prefix) == true
    }

    /// A folder could not be entered (libcurl's CWD or ours).
    var isFolderRefused: Bool {
        curlCode == CURLE_REMOTE_ACCESS_DENIED || failedCommand(startingWith: "CWD")
    }

    /// The file (SIZE/RETR) is not there.
    var isFileNotFound: Bool {
        curlCode == CURLE_REMOTE_FILE_NOT_FOUND || (curlCode == CURLE_FTP_COULDNT_RETR_FILE && lastReply?.code == 550)
    }
}

extension FTPRemote {
    /// Turns what the client threw into a `RemoteError` a user can act on;
    /// cancellation passes through.
    func mapped(_ error: any Error, file: String?) -> any Error {
        switch error {
        case let error as RemoteError: return error
        case is CancellationError: return error
        case let failure as FileSystemError:
            return RemoteError(
                .other, protocolName: protocolName, location: location, reason: "local file: \(failure)", file: file)
        case let failure as FTPTransportError:
            let (kind, reason) = explain(failure)
            return RemoteError(
                kind, protocolName: protocolName, location: location, reason: scrubbed(reason), file: file)
        default:
            return RemoteError(.other, protocolName: protocolName, location: location, reason: "\(error)", file: file)
        }
    }

    private func explain(_ failure: FTPTransportError) -> (RemoteError.Kind, String) {
        let host = "\(configuration.host):\(configuration.port)"
        let server = failure.lastReply.map { " (server: \($0.summary))" } ?? ""
        switch failure.curlCode {
        case CURLE_LOGIN_DENIED:
            return (
                .authentication,
                "login refused for user \"\(configuration.username)\": wrong user name or password?\(server)"
            )
        case CURLE_COULDNT_RESOLVE_HOST:
            return (.other, "unknown host \"\(configuration.host)\" (\(failure.reason))")
        case CURLE_COULDNT_CONNECT:
            return (.transient, "cannot connect to \(host): \(failure.reason)")
        case CURLE_OPERATION_TIMEDOUT:
            return (.transient, "no progress from \(host) within the time limit: \(failure.reason)")
        case CURLE_REMOTE_ACCESS_DENIED:
            return (.permissionDenied, "the server refused access to a folder\(server)")
        case CURLE_REMOTE_FILE_NOT_FOUND:
            return (.notFound, "no such file on the server\(server)")
        case CURLE_USE_SSL_FAILED:
            return (.other, "the server does not offer TLS (AUTH TLS refused); set options.tls to false for plain FTP")
        case CURLE_PEER_FAILED_VERIFICATION:
            return (.other, "the server's TLS certificate is not trusted: \(failure.reason)")
        case CURLE_FTP_COULDNT_RETR_FILE, CURLE_UPLOAD_FAILED, CURLE_QUOTE_ERROR:
            return byReply(failure)
        case CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_FTP_ACCEPT_TIMEOUT,
            CURLE_FTP_ACCEPT_FAILED, CURLE_SSL_CONNECT_ERROR, CURLE_FTP_CANT_GET_HOST, CURLE_FTP_WEIRD_PASV_REPLY,
            CURLE_FTP_WEIRD_227_FORMAT, CURLE_FTP_PORT_FAILED, CURLE_WEIRD_SERVER_REPLY, CURLE_AGAIN:
            return (.transient, "connection to \(host) failed: \(failure.description)")
        default:
            return failure.lastReply?.code == 421
                ? (.transient, "the server closed the session: \(failure.description)")
                : (.other, failure.description)
        }
    }

    /// A command the server answered with an error code.
    private func byReply(_ failure: FTPTransportError) -> (RemoteError.Kind, String) {
        guard let reply = failure.lastReply else { return (.other, failure.description) }
        let said = "\(reply.command.split(separator: " ").first ?? "") refused: \(reply.summary)"
        switch reply.code {
        case 421, 425, 426, 450, 451: return (.transient, said)
        case 452, 552: return (.other, "the server is out of space: \(reply.summary)")
        case 530, 532, 553: return (.permissionDenied, said)
        case 550:
            let isRead = reply.command.uppercased().hasPrefix("RETR")
            return (isRead ? .notFound : .permissionDenied, said)
        default: return (.other, said)
        }
    }

    /// Never let a password through, even if a server echoes it.
    private func scrubbed(_ text: String) -> String {
        let password = configuration.password
        return password.count >= 3 ? text.replacing(password, with: "***") : text
    }
}
