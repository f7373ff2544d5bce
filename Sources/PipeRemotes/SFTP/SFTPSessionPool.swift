import NIOPosix
import Synchronization

/// Up to `limit` SSH sessions to one server, each used by one transfer at a
/// time and kept open for the next; a session that failed below SFTP is
/// closed instead. Blocking libssh2 work runs on its own thread pool, off
/// the event loops and the cooperative pool.
final class SFTPSessionPool: Sendable {
    private struct State {
        var idle: [SFTPConnection] = []
        /// Sessions open or being opened (idle ones included).
        var open = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let configuration: SFTPConfiguration
    private let state = Mutex(State())

    init(_ configuration: SFTPConfiguration) {
        self.configuration = configuration
    }

    deinit {
        let idle = state.withLock { state in
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.close() }
    }

    /// Runs `body` with a session of its own (waiting for one when all are
    /// busy), on a thread that may block. A reused session that turns out to
    /// be dead is replaced once, so `body` must be safe to run again.
    func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (SFTPConnection, CancellationFlag) throws -> T
    ) async throws -> T {
        let warn = RemoteNotices.currentSink()
        let configuration = configuration
        var retried = false
        while true {
            let reused = await acquire()
            let mayRetry = reused != nil && !retried
            do {
                return try await SSHThreads.run { flag in
                    let connection: SFTPConnection
                    do {
                        connection = try reused ?? SFTPConnection.open(configuration, warn: warn)
                    } catch {
                        self.release(nil)
                        throw error
                    }
                    do {
                        let result = try body(connection, flag)
                        self.release(connection)
                        return result
                    } catch {
                        if flag.isCancelled { connection.markBroken() }
                        let disconnected = connection.wasDisconnected
                        self.release(connection)
                        if mayRetry, disconnected { throw StaleSession() }
                        throw error
                    }
                }
            } catch is StaleSession {
                // The kept session died while idle (server restart, idle timeout): once more on another.
                retried = true
                try Task.checkCancellation()
            }
        }
    }

    private struct StaleSession: Error {}

    /// An idle session, or nil with a slot reserved for a new one.
    private func acquire() async -> SFTPConnection? {
        while true {
            enum Grant { case reuse(SFTPConnection), new, wait }
            let grant: Grant = state.withLock { state in
                if let connection = state.idle.popLast() { return .reuse(connection) }
                if state.open < configuration.maxSessions {
                    state.open += 1
                    return .new
                }
                return .wait
            }
            switch grant {
            case .reuse(let connection): return connection
            case .new: return nil
            case .wait:
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state in
                        if !state.idle.isEmpty || state.open < configuration.maxSessions { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Gives a session back (or its slot, when it is broken or was never opened).
    private func release(_ connection: SFTPConnection?) {
        let broken = connection.map { $0.isBroken } ?? true
        if let connection, broken { connection.close() }
        let waiter = state.withLock { state in
            if let connection, !broken {
                state.idle.append(connection)
            } else {
                state.open -= 1
            }
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}

/// Threads for blocking SSH calls: enough for several remotes' sessions at
/// once (NIO's shared blocking pool has one thread per core).
enum SSHThreads {
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    static func run<T: Sendable>(_ body: @escaping @Sendable (CancellationFlag) throws -> T) async throws -> T {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await pool.runIfActive { try body(flag) }
        } onCancel: {
            flag.cancel()
        }
    }
}
