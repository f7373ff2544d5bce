import NIOConcurrencyHelpers
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Stdio redirected to anything epoll cannot watch — regular files
/// (`datapipe rpc < requests.json > out`), `/dev/null`, terminals: NIO
/// refuses or crashes on those, so blocking stand-ins take over. Only pipes
/// and sockets go through NIO.
enum DescriptorKind {
    /// A pipe or a socket.
    case pollable
    case blocking

    init(of descriptor: CInt) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            self = .blocking
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFIFO, S_IFSOCK: self = .pollable
        default: self = .blocking
        }
    }
}

/// Writes frames straight to a file descriptor, in call order.
final class DescriptorSink: FrameSink {
    private let descriptor: Mutex<CInt>

    init(descriptor: CInt) {
        self.descriptor = Mutex(descriptor)
    }

    func write(_ bytes: [UInt8]) {
        descriptor.withLock { fd in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return  // the reader is gone; nothing useful to do
                    }
                    offset += written
                }
            }
        }
    }

    func finish() async {}  // writes are synchronous: nothing is pending
}

/// Reads a file descriptor on a thread of its own and feeds a connection,
/// holding off while the connection is paced.
final class DescriptorReader: InputPacing {
    private let paused = ConditionLock(value: false)

    func setReadingPaused(_ paused: Bool) {
        self.paused.lock()
        self.paused.unlock(withValue: paused)
    }

    /// Reads until end of file, then reports it; returns at once.
    func start<Session>(descriptor: CInt, feeding connection: RPCConnection<Session>) {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        pool.submit { [self] _ in
            var chunk = [UInt8](repeating: 0, count: 256 * 1024)
            while true {
                paused.lock(whenValue: false)
                paused.unlock()
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                connection.receive(chunk[0..<count])
            }
            connection.inputClosed()
            pool.shutdownGracefully { _ in }
        }
    }
}
