#if canImport(Glibc)
    import Glibc
#endif

/// Opens the TCP connection to an SSH server within the connect timeout,
/// trying each address the host name resolves to.
enum SocketConnector {
    static func connect(_ configuration: SFTPConfiguration) throws(RemoteError) -> Int32 {
        let location = configuration.location
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(configuration.host, String(configuration.port), &hints, &found)
        guard resolved == 0, let first = found else {
            let detail = String(cString: gai_strerror(resolved))
            throw RemoteError(
                .other, protocolName: "sftp", location: location,
                reason: "unknown host \(configuration.host) (\(detail))")
        }
        defer { freeaddrinfo(first) }
        var lastError: Int32 = 0
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let current = address {
            address = current.pointee.ai_next
            let socket = Glibc.socket(
                current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                current.pointee.ai_protocol)
            guard socket >= 0 else {
                lastError = errno
                continue
            }
            let outcome = attempt(socket, current.pointee.ai_addr, current.pointee.ai_addrlen, configuration)
            if outcome == 0 { return socket }
            lastError = outcome
            Glibc.close(socket)
        }
        throw failure(lastError, configuration)
    }

    /// 0 when connected (socket back in blocking mode), else an errno.
    private static func attempt(
        _ socket: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t,
        _ configuration: SFTPConfiguration
    ) -> Int32 {
        let flags = fcntl(socket, F_GETFL)
        _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(socket, address, length) != 0 {
            guard errno == EINPROGRESS else { return errno }
            var target = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&target, 1, Int32(configuration.connectTimeout * 1000))
            guard ready > 0 else { return ready == 0 ? ETIMEDOUT : errno }
            var status: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(socket, SOL_SOCKET, SO_ERROR, &status, &size) == 0 else { return errno }
            if status != 0 { return status }
        }
        _ = fcntl(socket, F_SETFL, flags & ~O_NONBLOCK)
        var one: Int32 = 1
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        return 0
    }

    private static func failure(_ code: Int32, _ configuration: SFTPConfiguration) -> RemoteError {
        let port = configuration.port
        let reason: String
        switch code {
        case ECONNREFUSED: reason = "connection refused: no SSH server listens on port \(port)"
        case ETIMEDOUT:
            reason = "no answer within \(Int(configuration.connectTimeout)) s (host down or port \(port) filtered)"
        case EHOSTUNREACH, ENETUNREACH: reason = "host unreachable"
        default: reason = "cannot connect: \(String(cString: strerror(code)))"
        }
        let kind: RemoteError.Kind = code == ECONNREFUSED ? .other : .transient
        return RemoteError(kind, protocolName: "sftp", location: configuration.location, reason: reason)
    }
}
