/// Time limits of every transfer.
package struct HTTPTimeouts: Sendable {
    /// Seconds to establish a connection.
    package var connectSeconds = 15
    /// A transfer moving under 1 byte/s for this many seconds fails.
    package var stallSeconds = 30

    package init() {}
}

/// HTTP(S) over one libcurl multi handle (`CurlMultiLoop`), driven by one
/// dedicated thread and bridged to async/await. Connections are kept alive
/// and reused through the multi handle's connection cache; bodies stream
/// through callbacks (bounded memory); `http_proxy`/`https_proxy` and the
/// system CA store apply as libcurl does by default. Cancelling the calling
/// Task aborts the transfer.
package final class CurlHTTPClient: Sendable {
    /// The process-wide client (one thread, one connection cache).
    package static let shared = CurlHTTPClient(timeouts: HTTPTimeouts())

    package let timeouts: HTTPTimeouts
    private let loop = CurlMultiLoop<CurlTransfer>(maxConnections: 32)

    package init(timeouts: HTTPTimeouts) {
        self.timeouts = timeouts
    }

    /// Sends `request` and returns the response, whatever its status. Throws
    /// `HTTPTransportError` below HTTP, `FileSystemError` when a file body or
    /// sink fails, `CancellationError` when the Task is cancelled.
    package func perform(
        _ request: HTTPRequest, sink: HTTPResponseSink = .smallBody, progress: TransferProgress? = nil
    ) async throws -> HTTPResponse {
        try Task.checkCancellation()
        return try await loop.perform(try CurlTransfer(request, sink: sink, progress: progress, timeouts: timeouts))
    }
}
