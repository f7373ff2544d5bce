import Synchronization

/// FTP(S) over one libcurl multi handle (`CurlMultiLoop`), driven by one
/// dedicated thread and bridged to async/await. libcurl keeps
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

    private let loop = CurlMultiLoop<FTPTransfer>(maxConnections: 64)

    private init() {}

    /// Runs `request` as `login`. Throws `FTPTransportError` when libcurl or
    /// the server fails, `FileSystemError` when a local file fails,
    /// `CancellationError` when the Task is cancelled.
    package func perform(_ request: FTPRequest, login: FTPLogin, progress: TransferProgress? = nil) async throws
        -> FTPResponse
    {
        try Task.checkCancellation()
        return try await loop.perform(try FTPTransfer(request, login: login, progress: progress))
    }
}
