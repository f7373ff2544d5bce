import NIOPosix
import Synchronization

/// Runs blocking file-system work on NIO's blocking thread pool, so neither
/// the event loops nor the cooperative pool stall on disk I/O. The body gets
/// a flag that turns true when the calling Task is cancelled; loops check it
/// per chunk.
public enum BlockingIO {
    public static func run<T: Sendable>(
        _ body: @escaping @Sendable (_ cancellation: CancellationFlag) throws -> T
    ) async throws -> T {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await NIOThreadPool.singleton.runIfActive { try body(flag) }
        } onCancel: {
            flag.cancel()
        }
    }
}

/// Cancellation seen from a thread that has no Task.
public final class CancellationFlag: Sendable {
    private let cancelled = Atomic(false)

    public init() {}

    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Throws `CancellationError` once cancelled.
    public func check() throws {
        if isCancelled { throw CancellationError() }
    }
}
