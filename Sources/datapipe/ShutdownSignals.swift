import Dispatch
import Foundation

/// SIGTERM and SIGINT start a graceful shutdown: stop accepting, let
/// in-flight requests finish (bounded), then exit 0.
final class ShutdownSignals {
    private let sources: [DispatchSourceSignal]
    private let done = AsyncStream<Void>.makeStream()

    init(onSignal: @escaping @Sendable () async -> Void) {
        let continuation = done.continuation
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                Task {
                    await onSignal()
                    continuation.yield()
                    continuation.finish()
                }
            }
            source.resume()
            return source
        }
    }

    /// Returns once a signal-triggered shutdown has completed.
    func waitForShutdown() async {
        for await _ in done.stream { return }
    }

    func cancel() {
        for source in sources { source.cancel() }
        done.continuation.finish()
    }
}
