import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// One FTP request on its curl easy handle, with the callbacks that stream
/// data and record the command/reply conversation. Invariant (why
/// `@unchecked Sendable` holds): once submitted, everything but
/// `cancellation` is touched only by the client's thread (callbacks run
/// inside `curl_multi_perform` there); `continuation` is set before
/// submission, which the client's inbox lock publishes.
final class FTPTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let cancellation = CancellationFlag()
    var continuation: CheckedContinuation<FTPResponse, any Error>?

    private let action: FTPAction
    private let progress: TransferProgress?
    private var quoteList: UnsafeMutablePointer<curl_slist>?
    private var postQuoteList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var sent: Int64 = 0
    private var written: Int64 = 0
    private var memory: [UInt8] = []
    private var hasher: MD5? = MD5()
    private var isReleased = false
    /// A failure found in a callback (local file, oversized listing); wins over curl's code.
    private var failure: (any Error)?
    private var entryPath: String?

    // The conversation, from libcurl's debug callback.
    private var commandsAwaitingReply: [String] = []
    private var replyLines: [String] = []
    private var partialLine: [UInt8] = []
    private var replies: [FTPReply] = []

    /// Listings larger than this are refused (a runaway server).
    static let listingLimit = 256 << 20

    init(_ request: FTPRequest, login: FTPLogin, progress: TransferProgress?) throws {
        guard let easy = curl_easy_init() else {
            throw FTPTransportError(code: 0, reason: "libcurl could not create a handle")
        }
        self.easy = easy
        action = request.action
        self.progress = progress
        errorBuffer[0] = 0
        configure(request, login: login)
    }

    deinit {
        if !isReleased { release() }
        errorBuffer.deallocate()
    }

    private func configure(_ request: FTPRequest, login: FTPLogin) {
        ccurl_setopt_string(easy, CURLOPT_URL, request.url(base: login.baseURL))
        ccurl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "ftp")
        ccurl_setopt_string(easy, CURLOPT_USERNAME, login.username)
        ccurl_setopt_string(easy, CURLOPT_PASSWORD, login.password)
        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, login.connectSeconds)
        ccurl_setopt_long(easy, CURLOPT_SERVER_RESPONSE_TIMEOUT, login.stallSeconds)
        ccurl_setopt_long(easy, CURLOPT_ACCEPTTIMEOUT_MS, login.stallSeconds * 1000)
        ccurl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
        ccurl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, login.stallSeconds)
        ccurl_setopt_long(easy, CURLOPT_BUFFERSIZE, 256 << 10)
        ccurl_setopt_long(easy, CURLOPT_UPLOAD_BUFFERSIZE, 256 << 10)
        ccurl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        if login.tls {
            ccurl_setopt_long(easy, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
            if !login.verifyTLS {
                ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0)
                ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0)
            }
        }
        let method: curl_ftpmethod =
            switch request.folderMethod {
            case .none: CURLFTPMETHOD_NOCWD
            case .single: CURLFTPMETHOD_SINGLECWD
            case .perFolder: CURLFTPMETHOD_MULTICWD
            }
        ccurl_setopt_long(easy, CURLOPT_FTP_FILEMETHOD, Int(method.rawValue))
        if request.freshConnection { ccurl_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1) }
        if request.createFolders {
            ccurl_setopt_long(easy, CURLOPT_FTP_CREATE_MISSING_DIRS, Int(CURLFTP_CREATE_DIR_RETRY.rawValue))
        }
        for command in request.quote { quoteList = curl_slist_append(quoteList, command) }
        for command in request.postQuote { postQuoteList = curl_slist_append(postQuoteList, command) }
        if let quoteList { ccurl_setopt_pointer(easy, CURLOPT_QUOTE, quoteList) }
        if let postQuoteList { ccurl_setopt_pointer(easy, CURLOPT_POSTQUOTE, postQuoteList) }

        let context = Unmanaged.passUnretained(self).toOpaque()
        for option in [CURLOPT_WRITEDATA, CURLOPT_READDATA, CURLOPT_DEBUGDATA] {
            ccurl_setopt_pointer(easy, option, context)
        }
        ccurl_setopt_long(easy, CURLOPT_VERBOSE, 1)
        ccurl_setopt_debug_callback(easy) { _, kind, data, size, context in
            FTPTransfer.from(context).conversation(kind, UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        ccurl_setopt_write_callback(easy) { data, size, count, context in
            FTPTransfer.from(context).received(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        ccurl_setopt_read_callback(easy) { data, size, count, context in
            FTPTransfer.from(context).send(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
        }
        switch request.action {
        case .list(let command): ccurl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, command)
        case .download: break
        case .upload(_, _, let length):
            ccurl_setopt_long(easy, CURLOPT_UPLOAD, 1)
            ccurl_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(length))
        case .commands: ccurl_setopt_long(easy, CURLOPT_NOBODY, 1)
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> FTPTransfer {
        Unmanaged<FTPTransfer>.fromOpaque(context!).takeUnretainedValue()
    }

    // MARK: Callbacks (client thread)

    /// Pairs each command sent with the reply that follows it.
    private func conversation(_ kind: curl_infotype, _ bytes: UnsafeRawBufferPointer) {
        if kind == CURLINFO_HEADER_OUT {
            for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }) {
                commandsAwaitingReply.append(line.uppercased().hasPrefix("PASS ") ? "PASS ***" : String(line))
            }
        } else if kind == CURLINFO_HEADER_IN {
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    receivedReplyLine(String(decoding: partialLine, as: UTF8.self))
                    partialLine.removeAll(keepingCapacity: true)
                } else if byte != UInt8(ascii: "\r") {
                    partialLine.append(byte)
                }
            }
        }
    }

    private func receivedReplyLine(_ line: String) {
        replyLines.append(line)
        let utf8 = Array(line.utf8.prefix(4))
        let isFinal =
            utf8.count == 4 && utf8[0...2].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            && utf8[3] == UInt8(ascii: " ")
        guard isFinal, let code = Int(line.prefix(3)) else { return }
        // A 1xx reply is preliminary: the command's final reply follows.
        let command =
            commandsAwaitingReply.isEmpty
            ? "" : code < 200 ? commandsAwaitingReply[0] : commandsAwaitingReply.removeFirst()
        replies.append(FTPReply(command: command, code: code, text: replyLines.joined(separator: "\n")))
        replyLines.removeAll()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) -> Int {
        if cancellation.isCancelled { return 0 }
        switch action {
        case .download(let descriptor, let path):
            do {
                try FileCopy.writeAll(descriptor, bytes, path: path)
            } catch {
                failure = error
                return 0
            }
            hasher?.update(bytes)
            written += Int64(bytes.count)
            progress?(written)
        default:
            guard memory.count + bytes.count <= Self.listingLimit else {
                failure = FTPTransportError(code: 0, reason: "listing over \(Self.listingLimit) bytes")
                return 0
            }
            memory.append(contentsOf: bytes)
        }
        return bytes.count
    }

    private func send(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if cancellation.isCancelled { return Int(CURL_READFUNC_ABORT) }
        guard case .upload(let descriptor, let path, let length) = action else { return 0 }
        let wanted = Int(min(Int64(buffer.count), length - sent))
        guard wanted > 0 else { return 0 }
        var count = -1
        repeat {
            count = pread(descriptor, buffer.baseAddress, wanted, off_t(sent))
        } while count < 0 && errno == EINTR
        guard count > 0 else {
            failure = count == 0 ? FileSystemError(path: path, code: EIO) : FileSystemError(path: path)
            return Int(CURL_READFUNC_ABORT)
        }
        sent += Int64(count)
        progress?(sent)
        return count
    }

    // MARK: Completion (client thread)

    /// Reads what libcurl knows about the connection; call while the handle is still attached.
    func captureInfo() {
        var pointer: UnsafeMutableRawPointer?
        if ccurl_getinfo_pointer(easy, CURLINFO_FTP_ENTRY_PATH, &pointer) == CURLE_OK, let pointer {
            entryPath = String(cString: pointer.assumingMemoryBound(to: CChar.self))
        }
    }

    /// Resumes the caller with the outcome of a transfer curl finished with `code`.
    func complete(_ code: CURLcode) {
        if cancellation.isCancelled { return finish(.failure(CancellationError())) }
        if let failure { return finish(.failure(failure)) }
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            let error = FTPTransportError(
                code: Int(code.rawValue), reason: detail, lastReply: replies.last, replies: replies)
            return finish(.failure(error))
        }
        var receipt: DownloadReceipt?
        if case .download = action, let hasher = hasher.take() {
            receipt = DownloadReceipt(bytes: written, md5: hasher.finalizeHex())
        }
        finish(.success(FTPResponse(body: memory, receipt: receipt, replies: replies, entryPath: entryPath)))
    }

    /// Resumes the caller once and releases the curl handle here, on the
    /// client thread (the transfer is no longer in the multi handle).
    func finish(_ result: Result<FTPResponse, any Error>) {
        continuation?.resume(with: result)
        continuation = nil
        release()
    }

    private func release() {
        guard !isReleased else { return }
        curl_easy_cleanup(easy)
        curl_slist_free_all(quoteList)
        curl_slist_free_all(postQuoteList)
        quoteList = nil
        postQuoteList = nil
        isReleased = true
    }
}

extension FTPTransfer: CurlMultiTransfer {
    static var refusedByCurl: any Error { FTPTransportError(code: 0, reason: "libcurl refused a transfer") }
}
