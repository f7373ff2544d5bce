import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// One request on its curl easy handle, with the callbacks that stream its
/// body and response. Invariant (why `@unchecked Sendable` holds): once
/// submitted, everything but `cancellation` is touched only by the client's
/// thread (callbacks run inside `curl_multi_perform` there); `continuation`
/// is set before submission, which the client's inbox lock publishes.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let cancellation = CancellationFlag()
    var continuation: CheckedContinuation<HTTPResponse, any Error>?

    private let body: HTTPRequestBody
    private let sink: HTTPResponseSink
    private let progress: TransferProgress?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var sent: Int64 = 0
    private var status = 0
    private var headers: [String: String] = [:]
    private var memory: [UInt8] = []
    private var written: Int64 = 0
    private var hasher: MD5? = MD5()
    /// Set once `finish` has cleaned up the easy handle.
    private var isReleased = false
    /// A failure found in a callback (local file, oversized body); wins over curl's code.
    private var failure: (any Error)?

    init(_ request: HTTPRequest, sink: HTTPResponseSink, progress: TransferProgress?, timeouts: HTTPTimeouts) throws {
        guard let easy = curl_easy_init() else {
            throw HTTPTransportError(code: 0, reason: "libcurl could not create a handle", isTransient: false)
        }
        self.easy = easy
        body = request.body
        self.sink = sink
        self.progress = progress
        errorBuffer[0] = 0
        configure(request, timeouts: timeouts)
    }

    deinit {
        if !isReleased {
            curl_easy_cleanup(easy)
            curl_slist_free_all(headerList)
        }
        errorBuffer.deallocate()
    }

    private func configure(_ request: HTTPRequest, timeouts: HTTPTimeouts) {
        ccurl_setopt_string(easy, CURLOPT_URL, request.url)
        ccurl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(easy, CURLOPT_PATH_AS_IS, 1)
        ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, timeouts.connectSeconds)
        ccurl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
        ccurl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, timeouts.stallSeconds)
        ccurl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        let context = Unmanaged.passUnretained(self).toOpaque()
        for option in [CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_READDATA, CURLOPT_SEEKDATA] {
            ccurl_setopt_pointer(easy, option, context)
        }
        ccurl_setopt_write_callback(easy) { data, size, count, context in
            CurlTransfer.from(context).received(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        ccurl_setopt_header_callback(easy) { data, size, count, context in
            CurlTransfer.from(context).receivedHeader(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        ccurl_setopt_read_callback(easy) { data, size, count, context in
            CurlTransfer.from(context).send(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
        }
        ccurl_setopt_seek_callback(easy) { context, offset, origin in
            CurlTransfer.from(context).rewind(to: offset, origin: origin)
        }
        var headers = request.headers
        headers.append(("Expect", ""))  // no 100-continue round trip, nothing unsigned added
        switch request.method {
        case "GET": ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case "HEAD": ccurl_setopt_long(easy, CURLOPT_NOBODY, 1)
        case "PUT":
            ccurl_setopt_long(easy, CURLOPT_UPLOAD, 1)
            ccurl_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(body.length))
        case "POST":
            ccurl_setopt_long(easy, CURLOPT_POST, 1)
            ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.length))
            if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                headers.append(("Content-Type", ""))
            }
        default:
            // PATCH and the like: sent as a POST (through the read callback) under another name.
            if body.length > 0 {
                ccurl_setopt_long(easy, CURLOPT_POST, 1)
                ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.length))
            }
            ccurl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method)
        }
        for header in headers {
            headerList = curl_slist_append(headerList, Self.headerLine(header))
        }
        ccurl_setopt_pointer(easy, CURLOPT_HTTPHEADER, headerList)
    }

    /// curl's syntax: `Name:` drops a header curl would add by itself
    /// (`Expect`, `Content-Type`), `Name;` sends a header with an empty value.
    private static func headerLine(_ header: (name: String, value: String)) -> String {
        guard header.value.isEmpty else { return "\(header.name): \(header.value)" }
        let dropped = ["expect", "content-type"].contains(header.name.lowercased())
        return dropped ? "\(header.name):" : "\(header.name);"
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> CurlTransfer {
        Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
    }

    // MARK: Callbacks (client thread)

    private func received(_ bytes: UnsafeRawBufferPointer) -> Int {
        if cancellation.isCancelled { return 0 }
        if case .file(let descriptor, let path) = sink, (200..<300).contains(status) {
            do {
                try FileCopy.writeAll(descriptor, bytes, path: path)
            } catch {
                failure = error
                return 0
            }
            hasher?.update(bytes)
            written += Int64(bytes.count)
            progress?(written)
            return bytes.count
        }
        let limit = if case .memory(let limit) = sink { limit } else { 1 << 20 }
        guard memory.count + bytes.count <= limit else {
            failure = HTTPTransportError(code: 0, reason: "response body over \(limit) bytes", isTransient: false)
            return 0
        }
        memory.append(contentsOf: bytes)
        return bytes.count
    }

    private func receivedHeader(_ bytes: UnsafeRawBufferPointer) -> Int {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            headers = [:]
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            headers[name] = String(trimmed(line[line.index(after: colon)...]))
        }
        return bytes.count
    }

    private func send(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if cancellation.isCancelled { return Int(CURL_READFUNC_ABORT) }
        let wanted = Int(min(Int64(buffer.count), body.length - sent))
        guard wanted > 0 else { return 0 }
        switch body {
        case .empty: return 0
        case .bytes(let bytes):
            bytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(sent)..<(Int(sent) + wanted)]))
            }
        case .file(let descriptor, let path, let offset, _):
            var count = -1
            repeat {
                count = pread(descriptor, buffer.baseAddress, wanted, off_t(offset + sent))
            } while count < 0
                && errno == EINTR
            guard count > 0 else {
                failure = count == 0 ? FileSystemError(path: path, code: EIO) : FileSystemError(path: path)
                return Int(CURL_READFUNC_ABORT)
            }
            sent += Int64(count)
            progress?(sent)
            return count
        }
        sent += Int64(wanted)
        return wanted
    }

    private func rewind(to offset: curl_off_t, origin: Int32) -> Int32 {
        guard origin == SEEK_SET, offset >= 0, Int64(offset) <= body.length else {
            return Int32(CURL_SEEKFUNC_CANTSEEK)
        }
        sent = Int64(offset)
        return Int32(CURL_SEEKFUNC_OK)
    }

    // MARK: Completion (client thread)

    /// Resumes the caller with the outcome of a transfer curl finished with `code`.
    func complete(_ code: CURLcode) {
        if cancellation.isCancelled { return finish(.failure(CancellationError())) }
        if let failure { return finish(.failure(failure)) }
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            let error = HTTPTransportError(
                code: Int(code.rawValue), reason: detail, isTransient: Self.transientCodes.contains(code))
            return finish(.failure(error))
        }
        var receipt: DownloadReceipt?
        if case .file = sink, (200..<300).contains(status), let hasher = hasher.take() {
            receipt = DownloadReceipt(bytes: written, md5: hasher.finalizeHex())
        }
        var connections = 0
        ccurl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connections)
        let response = HTTPResponse(
            status: status, headers: headers, body: memory, written: receipt, newConnections: connections)
        finish(.success(response))
    }

    /// Resumes the caller once and releases the curl handle here, on the
    /// client thread (the transfer is no longer in the multi handle).
    func finish(_ result: Result<HTTPResponse, any Error>) {
        continuation?.resume(with: result)
        continuation = nil
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        headerList = nil
        isReleased = true
    }

    private static let transientCodes: [CURLcode] = [
        CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_PARTIAL_FILE,
        CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_HTTP2,
        CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR, CURLE_AGAIN,
    ]
}

/// `text` without leading and trailing spaces, tabs and line breaks.
func trimmed(_ text: Substring) -> Substring {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
    guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) })
    else { return "" }
    return text[first...last]
}

extension CurlTransfer: CurlMultiTransfer {
    static var refusedByCurl: any Error {
        HTTPTransportError(code: 0, reason: "libcurl refused a transfer", isTransient: false)
    }
}
