import CCurl
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A request on its curl easy handle, driven by a `CurlMultiLoop`. Once
/// submitted, everything but `cancellation` is touched only by the loop's
/// thread (libcurl's callbacks run inside `curl_multi_perform` there).
protocol CurlMultiTransfer: AnyObject, Sendable {
    associatedtype Response: Sendable
    var easy: UnsafeMutableRawPointer { get }
    var cancellation: CancellationFlag { get }
    var continuation: CheckedContinuation<Response, any Error>? { get set }
    /// Reads what it needs from the handle while it is still attached.
    func captureInfo()
    /// Resumes the caller with the outcome of a transfer curl finished with `code`.
    func complete(_ code: CURLcode)
    /// Resumes the caller once and releases the handle.
    func finish(_ result: Result<Response, any Error>)
    /// The failure reported when libcurl refuses to take the transfer.
    static var refusedByCurl: any Error { get }
}

extension CurlMultiTransfer {
    func captureInfo() {}
}

/// One libcurl multi handle, driven by a dedicated thread and bridged to
/// async/await. libcurl keeps finished transfers' connections in the multi
/// handle's cache for reuse. Cancelling the calling Task aborts the transfer.
final class CurlMultiLoop<Transfer: CurlMultiTransfer>: Sendable {
    /// Touched only by the loop's thread, except `curl_multi_wakeup`, which
    /// libcurl documents as callable from any thread.
    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    /// Transfers waiting to be added by the loop's thread.
    private let inbox = Mutex<[Transfer]>([])

    /// Starts the thread; `maxConnections` bounds the connection cache.
    init(maxConnections: Int) {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        multi = curl_multi_init()
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        // A C thread entry cannot capture the generic loop: it gets a plain closure.
        let body = ThreadBody { [self] in run() }
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { context in Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run() },
            Unmanaged.passRetained(body).toOpaque())
        precondition(started == 0, "cannot start a libcurl thread")
        pthread_detach(thread)
    }

    /// Runs `transfer` to its end (or the calling Task's cancellation).
    func perform(_ transfer: Transfer) async throws -> Transfer.Response {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                inbox.withLock { $0.append(transfer) }
                curl_multi_wakeup(multi)
            }
        } onCancel: {
            transfer.cancellation.cancel()
            curl_multi_wakeup(multi)
        }
    }

    /// The loop's thread: adds new transfers, drops cancelled ones, drives
    /// curl, completes finished transfers, and sleeps in `curl_multi_poll`
    /// until sockets are ready or `curl_multi_wakeup` is called.
    private func run() -> Never {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        while true {
            let arrived = inbox.withLock { queue in
                defer { queue.removeAll() }
                return queue
            }
            for transfer in arrived {
                if transfer.cancellation.isCancelled {
                    transfer.finish(.failure(CancellationError()))
                } else if curl_multi_add_handle(multi, transfer.easy) != CURLM_OK {
                    transfer.finish(.failure(Transfer.refusedByCurl))
                } else {
                    active[transfer.easy] = transfer
                }
            }
            for (easy, transfer) in active where transfer.cancellation.isCancelled {
                curl_multi_remove_handle(multi, easy)
                active[easy] = nil
                transfer.finish(.failure(CancellationError()))
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                let transfer = active.removeValue(forKey: easy)
                transfer?.captureInfo()
                curl_multi_remove_handle(multi, easy)
                transfer?.complete(code)
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}

/// The body of a thread started with `pthread_create`.
private final class ThreadBody {
    let run: () -> Never
    init(_ run: @escaping () -> Never) { self.run = run }
}
