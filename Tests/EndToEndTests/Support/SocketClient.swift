import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain POSIX stream socket to a bridge listening on TCP or a Unix socket.
final class SocketClient: Sendable {
    private let descriptor: Mutex<CInt?>
    let input: ByteStream

    private init(descriptor: CInt, name: String) throws {
        self.descriptor = Mutex(descriptor)
        // The reader gets a descriptor of its own: it closes it at end of file
        // while this one stays valid for writes until `close()`.
        let readSide = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard readSide >= 0 else { throw HarnessError("dup: \(String(cString: strerror(errno)))") }
        input = ByteStream(name: name, descriptor: readSide)
        var sendTimeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Connects to 127.0.0.1:`port`.
    static func tcp(port: Int) throws -> SocketClient {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            posixClose(descriptor)
            throw HarnessError("connect to 127.0.0.1:\(port): \(reason)")
        }
        return try SocketClient(descriptor: descriptor, name: "tcp 127.0.0.1:\(port)")
    }

    /// Connects to the Unix socket at `path`.
    static func unix(path: String) throws -> SocketClient {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw HarnessError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            posixClose(descriptor)
            throw HarnessError("connect to unix:\(path): \(reason)")
        }
        return try SocketClient(descriptor: descriptor, name: "unix \(path)")
    }

    func write(_ bytes: [UInt8]) throws {
        try descriptor.withLock { descriptor in
            guard let descriptor else { throw HarnessError("socket already closed") }
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let sent = send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    if sent < 0 {
                        if errno == EINTR { continue }
                        throw HarnessError("send failed after \(offset) bytes: \(String(cString: strerror(errno)))")
                    }
                    offset += sent
                }
            }
        }
    }

    /// The client view of this connection, in `framing`.
    func peer(_ framing: Framing) -> RPCPeer {
        RPCPeer(framing: framing, input: input) { [self] bytes in try write(bytes) }
    }

    /// Half-closes: the bridge sees end of input, replies can still arrive.
    func shutdownWrite() {
        descriptor.withLock { descriptor in
            if let descriptor { shutdown(descriptor, Int32(SHUT_WR)) }
        }
    }

    func close() {
        descriptor.withLock { descriptor in
            if let open = descriptor {
                shutdown(open, Int32(SHUT_RDWR))
                posixClose(open)
            }
            descriptor = nil
        }
    }

    deinit { close() }
}

/// A bridge listening on TCP or a Unix socket, and what it told us at start.
struct ListeningBridge {
    let process: BridgeProcess
    let directory: ScratchDirectory
    /// The TCP port, when listening on TCP.
    let port: Int?
    let tokenFile: String

    /// `datapipe rpc --tcp 127.0.0.1:0 …`; returns once the bridge says where it listens.
    static func tcp(_ extra: [String] = [], in directory: ScratchDirectory) async throws -> ListeningBridge {
        let tokenFile = directory.file("token/rpc-token")
        let process = try BridgeProcess.rpc(["--tcp", "127.0.0.1:0", "--token-file", tokenFile] + extra, in: directory)
        let text: String
        do {
            text = try await process.stderr.waitForText(containing: "listening on 127.0.0.1:")
        } catch {
            process.kill()
            throw error
        }
        let after = text.components(separatedBy: "listening on 127.0.0.1:")[1]
        guard let port = Int(after.prefix(while: \.isNumber)), port > 0 else {
            process.kill()
            throw HarnessError("no port in: \(text)")
        }
        let bridge = ListeningBridge(process: process, directory: directory, port: port, tokenFile: tokenFile)
        if let token = try? bridge.token() { TestLogs.recordSecret(token) }
        return bridge
    }

    /// `datapipe rpc --unix PATH …`; returns once the bridge says it listens.
    static func unix(path: String, _ extra: [String] = [], in directory: ScratchDirectory) async throws
        -> ListeningBridge
    {
        let process = try BridgeProcess.rpc(["--unix", path] + extra, in: directory)
        do {
            try await process.stderr.waitForText(containing: "listening on unix:")
        } catch {
            process.kill()
            throw error
        }
        return ListeningBridge(process: process, directory: directory, port: nil, tokenFile: "")
    }

    func connect() throws -> SocketClient {
        guard let port else { throw HarnessError("not a TCP bridge") }
        return try SocketClient.tcp(port: port)
    }

    func token() throws -> String {
        try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
