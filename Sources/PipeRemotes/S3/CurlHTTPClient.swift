import CCurl
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Time limits of every transfer.
package struct HTTPTimeouts: Sendable {
    /// Seconds to establish a connection.
    package var connectSeconds = 15
    /// A transfer moving under 1 byte/s for this many seconds fails.
    package var stallSeconds = 30

    package init() {}
}

/// HTTP(S) over one libcurl multi handle, driven by one dedicated thread and
/// bridged to async/await. Connections are kept alive and reused through the
/// multi handle's connection cache; bodies stream through callbacks (bounded
/// memory); `http_proxy`/`https_proxy` and the system CA store apply as
/// libcurl does by default. Cancelling the calling Task aborts the transfer.
package final class CurlHTTPClient: Sendable {
    /// The process-wide client (one thread, one connection cache).
    package static let shared = CurlHTTPClient(timeouts: HTTPTimeouts())

    package let timeouts: HTTPTimeouts
    /// Touched only by the client thread, except `curl_multi_wakeup`, which
    /// libcurl documents as callable from any thread.
    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    /// Transfers waiting to be added by the client thread.
    private let inbox = Mutex<[CurlTransfer]>([])

    package init(timeouts: HTTPTimeouts) {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        self.timeouts = timeouts
        multi = curl_multi_init()
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 32)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<CurlHTTPClient>.fromOpaque(context!).takeRetainedValue().run()
            }, context)
        precondition(started == 0, "cannot start the libcurl thread")
        pthread_detach(thread)
    }

    /// Sends `request` and returns the response, whatever its status. Throws
    /// `HTTPTransportError` below HTTP, `FileSystemError` when a file body or
    /// sink fails, `CancellationError` when the Task is cancelled.
    package func perform(
        _ request: HTTPRequest, sink: HTTPResponseSink = .smallBody, progress: TransferProgress? = nil
    ) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let transfer = try CurlTransfer(request, sink: sink, progress: progress, timeouts: timeouts)
        return try await withTaskCancellationHandler {
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

    /// The client thread: adds new transfers, drops cancelled ones, drives
    /// curl, completes finished transfers, and sleeps in `curl_multi_poll`
    /// until sockets are ready or `curl_multi_wakeup` is called.
    private func run() -> Never {
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        while true {
            let arrived = inbox.withLock { queue in
                defer { queue.removeAll() }
                return queue
            }
            for transfer in arrived {
                if transfer.cancellation.isCancelled {
                    transfer.finish(.failure(CancellationError()))
                } else if curl_multi_add_handle(multi, transfer.easy) != CURLM_OK {
                    transfer.finish(
                        .failure(HTTPTransportError(code: 0, reason: "libcurl refused a transfer", isTransient: false)))
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
                curl_multi_remove_handle(multi, easy)
                active.removeValue(forKey: easy)?.complete(code)
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}
