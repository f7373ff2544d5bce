import Foundation
import PipeRemotes
import Synchronization

/// Progress of a batch of transfers, as `$/progress` reports it.
public struct TransferProgressReport: Sendable, Equatable {
    public enum Phase: Sendable { case begin, report, end }
    public var phase: Phase
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
}

public typealias ProgressSink = @Sendable (TransferProgressReport) -> Void

/// Runs transfers concurrently (at most `concurrency` at once), retrying
/// transient failures with backoff, and reports progress at most 10 times a
/// second. Returns which succeeded and which failed: one failure does not
/// stop the others.
struct TransferRunner: Sendable {
    var concurrency: Int
    var attempts = 3
    var firstBackoff: Duration = .milliseconds(200)

    struct Outcome: Sendable {
        var succeeded: [String: DownloadReceipt?] = [:]
        var failed: [(name: String, error: RemoteError)] = []
    }

    func run(
        _ files: [RemoteFile], progress: ProgressSink?,
        transfer: @escaping @Sendable (RemoteFile, TransferProgress?) async throws -> DownloadReceipt?
    ) async throws -> Outcome {
        let meter = ProgressMeter(filesTotal: files.count, bytesTotal: files.reduce(0) { $0 + $1.size }, sink: progress)
        meter.emit(.begin)
        defer { meter.emit(.end) }
        var outcome = Outcome()
        try await withThrowingTaskGroup(of: (String, Result<DownloadReceipt?, RemoteError>).self) { group in
            var pending = files[...]
            func startNext() {
                guard let file = pending.popFirst() else { return }
                group.addTask {
                    let result = await attempt(file, meter: meter, transfer: transfer)
                    return (file.filename, result)
                }
            }
            for _ in 0..<max(1, concurrency) { startNext() }
            while let (name, result) = try await group.next() {
                switch result {
                case .success(let receipt): outcome.succeeded[name] = receipt
                case .failure(let error): outcome.failed.append((name, error))
                }
                startNext()
            }
        }
        try Task.checkCancellation()
        return outcome
    }

    /// One file with retries; cancellation propagates, other errors are returned.
    private func attempt(
        _ file: RemoteFile, meter: ProgressMeter,
        transfer: @Sendable (RemoteFile, TransferProgress?) async throws -> DownloadReceipt?
    ) async -> Result<DownloadReceipt?, RemoteError> {
        var backoff = firstBackoff
        var lastError: RemoteError?
        for attemptNumber in 1...attempts {
            if Task.isCancelled { break }
            let counted = Atomic<Int64>(0)
            do {
                let receipt = try await transfer(file) { done in
                    let previous = counted.exchange(done, ordering: .relaxed)
                    meter.addBytes(done - previous)
                }
                meter.finishFile()
                return .success(receipt)
            } catch let error as RemoteError {
                meter.addBytes(-counted.load(ordering: .relaxed))
                lastError = error
                guard error.isTransient, attemptNumber < attempts else { break }
                try? await Task.sleep(for: backoff)
                backoff *= 2
            } catch is CancellationError {
                break
            } catch {
                lastError = RemoteError(
                    .other, protocolName: "local", location: "", reason: "\(error)", file: file.filename)
                break
            }
        }
        return .failure(
            lastError
                ?? RemoteError(.other, protocolName: "local", location: "", reason: "cancelled", file: file.filename))
    }
}

/// Counts bytes and files; forwards at most 10 reports a second.
final class ProgressMeter: Sendable {
    private let state: Mutex<(files: Int, bytes: Int64, lastReport: ContinuousClock.Instant?)>
    let filesTotal: Int
    let bytesTotal: Int64
    let sink: ProgressSink?

    init(filesTotal: Int, bytesTotal: Int64, sink: ProgressSink?) {
        self.filesTotal = filesTotal
        self.bytesTotal = bytesTotal
        self.sink = sink
        state = Mutex((0, 0, nil))
    }

    func addBytes(_ delta: Int64) { report { $0.bytes += delta } }
    func finishFile() { report { $0.files += 1 } }

    func emit(_ phase: TransferProgressReport.Phase) {
        let (files, bytes) = state.withLock { ($0.files, $0.bytes) }
        sink?(
            TransferProgressReport(
                phase: phase, filesDone: files, filesTotal: filesTotal, bytesDone: bytes, bytesTotal: bytesTotal))
    }

    private func report(_ change: (inout (files: Int, bytes: Int64, lastReport: ContinuousClock.Instant?)) -> Void) {
        let now = ContinuousClock.now
        let due: (Int, Int64)? = state.withLock { state in
            change(&state)
            if let last = state.lastReport, now - last < .milliseconds(100) { return nil }
            state.lastReport = now
            return (state.files, state.bytes)
        }
        if let (files, bytes) = due {
            sink?(
                TransferProgressReport(
                    phase: .report, filesDone: files, filesTotal: filesTotal, bytesDone: bytes, bytesTotal: bytesTotal))
        }
    }
}
