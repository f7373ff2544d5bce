/// A request for `CurlHTTPClient`. `url` goes to curl verbatim, so it must
/// already be percent-encoded (that is what SigV4 signs).
package struct HTTPRequest: Sendable {
    package var method: String
    package var url: String
    /// Sent as given; curl adds `Host` (unless set here), `Accept` and `Content-Length`.
    package var headers: [(name: String, value: String)]
    package var body: HTTPRequestBody

    package init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: HTTPRequestBody = .empty
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What a request sends.
package enum HTTPRequestBody: Sendable {
    case empty
    case bytes([UInt8])
    /// `length` bytes of the open file `descriptor` from `offset`, read with
    /// `pread` while sending; the caller keeps the descriptor open meanwhile.
    case file(descriptor: Int32, path: String, offset: Int64, length: Int64)

    package var length: Int64 {
        switch self {
        case .empty: 0
        case .bytes(let bytes): Int64(bytes.count)
        case .file(_, _, _, let length): length
        }
    }
}

/// Where a response body goes.
package enum HTTPResponseSink: Sendable {
    /// Kept in memory; a body beyond `limit` bytes fails the transfer.
    case memory(limit: Int)
    /// A 2xx body is written to `descriptor` and hashed on the way (bounded
    /// memory); error bodies stay in memory for their message.
    case file(descriptor: Int32, path: String)

    package static let smallBody = HTTPResponseSink.memory(limit: 16 << 20)
}

/// A complete HTTP response (any status).
package struct HTTPResponse: Sendable {
    package var status: Int
    /// Names lowercased; a repeated header keeps its last value.
    package var headers: [String: String]
    /// The body, unless it went to a file.
    package var body: [UInt8]
    /// For a file sink and a 2xx status: the bytes written and their md5.
    package var written: DownloadReceipt?
    /// Connections opened for this exchange: 0 when a kept-alive one was reused.
    package var newConnections = 0
}

/// The exchange failed below HTTP: connection, timeout, TLS, a local file.
package struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The libcurl error code (`CURLcode`), 0 for local failures.
    package var code: Int
    package var reason: String
    /// Worth retrying: refused or reset connections, timeouts, DNS hiccups.
    package var isTransient: Bool

    package var description: String { reason }
}
