import CCurl
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// FTP(S) over one libcurl multi handle, driven by one dedicated thread and
/// bridged to async/await, like `CurlHTTPClient` for HTTP. libcurl keeps
/// finished transfers' control connections in the multi handle's cache and
/// reuses one only for the same host, port, user, password and TLS setting.
/// Cancelling the calling Task aborts the transfer.
package final class FTPClient: Sendable {
    /// The client for one server and account, shared by every FTP remote of
    /// the process that logs in there. One per server, not one for all:
    /// libcurl's FTP code blocks its thread in places (waiting for the reply
    /// that closes a transfer, sending QUIT on a connection it drops), so a
    /// stalled server may hold up only its own transfers.
    package static func serving(_ login: FTPLogin) -> FTPClient {
        let key = "\(login.tls ? "ftps" : "ftp") \(login.username)@\(login.host):\(login.port)"
        return clients.withLock { clients in
            if let client = clients[key] { return client }
            let client = FTPClient()
            clients[key] = client
            return client
        }
    }

    private static let clients = Mutex<[String: FTPClient]>([:])

    /// Touched only by the client thread, except `curl_multi_wakeup`, which
    /// libcurl documents as callable from any thread.
    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    /// Transfers waiting to be added by the client thread.
    private let inbox = Mutex<[FTPTransfer]>([])

    private init() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        multi = curl_multi_init()
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 64)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<FTPClient>.fromOpaque(context!).takeRetainedValue().run()
            }, context)
        precondition(started == 0, "cannot start the libcurl FTP thread")
        pthread_detach(thread)
    }

    /// Runs `request` as `login`. Throws `FTPTransportError` when libcurl or
    /// the server fails, `FileSystemError` when a local file fails,
    /// `CancellationError` when the Task is cancelled.
    package func perform(_ request: FTPRequest, login: FTPLogin, progress: TransferProgress? = nil) async throws
        -> FTPResponse
    {
        try Task.checkCancellation()
        let transfer = try FTPTransfer(request, login: login, progress: progress)
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
        var active: [UnsafeMutableRawPointer: FTPTransfer] = [:]
        while true {
            let arrived = inbox.withLock { queue in
                defer { queue.removeAll() }
                return queue
            }
            for transfer in arrived {
                if transfer.cancellation.isCancelled {
                    transfer.finish(.failure(CancellationError()))
                } else if curl_multi_add_handle(multi, transfer.easy) != CURLM_OK {
                    transfer.finish(.failure(FTPTransportError(code: 0, reason: "libcurl refused a transfer")))
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
                // Read the entry path before the handle leaves the multi handle.
                let transfer = active.removeValue(forKey: easy)
                transfer?.captureInfo()
                curl_multi_remove_handle(multi, easy)
                transfer?.complete(code)
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}
