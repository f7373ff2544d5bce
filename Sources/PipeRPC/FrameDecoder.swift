/// How a peer frames its messages; replies go out the same way.
public enum FramingStyle: Sendable, Equatable {
    /// One JSON text per line (`\n`, optionally `\r\n`): shell pipes, scripts.
    case lines
    /// LSP-style `Content-Length: N\r\n\r\n` headers before each body: editors.
    case contentLength
}

/// What the decoder found in the bytes fed so far.
public enum FrameEvent: Equatable, Sendable {
    /// One complete message body.
    case message([UInt8])
    /// A message over the size limit was skipped; the stream is back in step.
    case oversized(bytes: Int, limit: Int)
    /// A header block that cannot be used (bad charset, bad length); its body was
    /// skipped when its length was known, and the stream is back in step.
    case badHeader(String)
    /// The stream cannot be followed any more (no `Content-Length`, endless
    /// headers): the connection should answer once and close.
    case fatal(String)
}

/// Splits a byte stream into messages. A pure state machine: feed it bytes in
/// chunks of any size, then drain events with `next()`. The framing style is
/// fixed by the first non-blank byte of the stream: `{` or `[` means lines,
/// anything else means Content-Length headers.
public struct FrameDecoder: Sendable {
    public let maxMessageBytes: Int
    public private(set) var style: FramingStyle?

    /// Header blocks larger than this are refused (a peer sending endless headers).
    static let maxHeaderBytes = 16 * 1024

    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer`.
    private var readIndex = 0
    /// Where the search for the next delimiter resumes, so a long message that
    /// arrives in small chunks is scanned once, not once per chunk.
    private var scanIndex = 0
    private var state: State = .detecting

    private enum State: Equatable, Sendable {
        case detecting
        case lines
        /// Inside an over-long line: drop bytes up to the next newline.
        case skippingLine(skipped: Int)
        case headers
        case body(length: Int)
        /// Dropping the body of a refused message, `remaining` bytes to go.
        case skippingBody(remaining: Int, total: Int, report: FrameEvent)
        case failed
    }

    public init(maxMessageBytes: Int = 64 << 20) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Adds bytes read from the stream.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard state != .failed else { return }
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet part of a complete message.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// The next event, or nil when more bytes are needed.
    public mutating func next() -> FrameEvent? {
        while true {
            let (event, progressed) = step()
            if let event {
                compact()
                return event
            }
            if !progressed {
                compact()
                return nil
            }
        }
    }

    /// Runs the state machine once: an event, or whether it moved at all.
    private mutating func step() -> (FrameEvent?, Bool) {
        switch state {
        case .failed:
            return (nil, false)
        case .detecting:
            return (nil, detect())
        case .lines:
            return nextLine()
        case .skippingLine(let skipped):
            return skipLine(alreadySkipped: skipped)
        case .headers:
            return nextHeaderBlock()
        case .body(let length):
            guard buffer.count - readIndex >= length else { return (nil, false) }
            let body = Array(buffer[readIndex..<readIndex + length])
            readIndex += length
            scanIndex = readIndex
            state = .headers
            return (.message(body), true)
        case .skippingBody(let remaining, let total, let report):
            let available = min(remaining, buffer.count - readIndex)
            readIndex += available
            scanIndex = readIndex
            if available == remaining {
                state = .headers
                return (report, true)
            }
            state = .skippingBody(remaining: remaining - available, total: total, report: report)
            return (nil, available > 0)
        }
    }

    private mutating func detect() -> Bool {
        while readIndex < buffer.count, Self.isBlank(buffer[readIndex]) { readIndex += 1 }
        scanIndex = readIndex
        guard readIndex < buffer.count else { return false }
        let first = buffer[readIndex]
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            style = .lines
            state = .lines
        } else {
            style = .contentLength
            state = .headers
        }
        return true
    }

    // MARK: Lines

    private mutating func nextLine() -> (FrameEvent?, Bool) {
        guard let newline = findByte(UInt8(ascii: "\n")) else {
            let pending = buffer.count - readIndex
            if pending > maxMessageBytes {
                readIndex = buffer.count
                scanIndex = readIndex
                state = .skippingLine(skipped: pending)
                return (nil, true)
            }
            return (nil, false)
        }
        var end = newline
        if end > readIndex, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let start = readIndex
        readIndex = newline + 1
        scanIndex = readIndex
        if buffer[start..<end].allSatisfy(Self.isBlank) { return (nil, true) }
        if end - start > maxMessageBytes {
            return (.oversized(bytes: end - start, limit: maxMessageBytes), true)
        }
        return (.message(Array(buffer[start..<end])), true)
    }

    private mutating func skipLine(alreadySkipped: Int) -> (FrameEvent?, Bool) {
        if let newline = findByte(UInt8(ascii: "\n")) {
            let total = alreadySkipped + (newline - readIndex)
            readIndex = newline + 1
            scanIndex = readIndex
            state = .lines
            return (.oversized(bytes: total, limit: maxMessageBytes), true)
        }
        let dropped = buffer.count - readIndex
        readIndex = buffer.count
        scanIndex = readIndex
        state = .skippingLine(skipped: alreadySkipped + dropped)
        return (nil, false)
    }

    // MARK: Content-Length headers

    private mutating func nextHeaderBlock() -> (FrameEvent?, Bool) {
        // Blank lines between messages are tolerated.
        while readIndex < buffer.count,
            buffer[readIndex] == UInt8(ascii: "\r") || buffer[readIndex] == UInt8(ascii: "\n")
        {
            readIndex += 1
        }
        scanIndex = max(scanIndex, readIndex)
        guard let headerEnd = findHeaderEnd() else {
            if buffer.count - readIndex > Self.maxHeaderBytes {
                return fail("header block longer than \(Self.maxHeaderBytes) bytes without an empty line")
            }
            return (nil, false)
        }
        let parsedHeaders = HeaderBlock.parse(buffer[readIndex..<headerEnd.start])
        readIndex = headerEnd.bodyStart
        scanIndex = readIndex
        switch parsedHeaders {
        case .failure(let failure):
            return fail(failure.reason)
        case .success(let parsed):
            if let problem = parsed.problem {
                state = .skippingBody(remaining: parsed.length, total: parsed.length, report: .badHeader(problem))
            } else if parsed.length > maxMessageBytes {
                let report = FrameEvent.oversized(bytes: parsed.length, limit: maxMessageBytes)
                state = .skippingBody(remaining: parsed.length, total: parsed.length, report: report)
            } else {
                state = .body(length: parsed.length)
            }
            return (nil, true)
        }
    }

    private mutating func fail(_ reason: String) -> (FrameEvent?, Bool) {
        state = .failed
        buffer = []
        readIndex = 0
        scanIndex = 0
        return (.fatal(reason), true)
    }

    /// The end of a header block: `\r\n\r\n`, or `\n\n` from lenient peers.
    private mutating func findHeaderEnd() -> (start: Int, bodyStart: Int)? {
        var position = max(scanIndex, readIndex)
        while position < buffer.count {
            if buffer[position] == UInt8(ascii: "\n") {
                if position + 1 < buffer.count, buffer[position + 1] == UInt8(ascii: "\n") {
                    return (position, position + 2)
                }
                if position + 2 < buffer.count, buffer[position + 1] == UInt8(ascii: "\r"),
                    buffer[position + 2] == UInt8(ascii: "\n")
                {
                    let start =
                        position > readIndex && buffer[position - 1] == UInt8(ascii: "\r") ? position - 1 : position
                    return (start, position + 3)
                }
            }
            position += 1
        }
        // Resume two bytes back: the terminator may straddle chunks.
        scanIndex = max(readIndex, buffer.count - 3)
        return nil
    }

    // MARK: Buffer housekeeping

    private mutating func findByte(_ byte: UInt8) -> Int? {
        var position = max(scanIndex, readIndex)
        let found: Int? = buffer.withUnsafeBufferPointer { bytes in
            while position < bytes.count {
                if bytes[position] == byte { return position }
                position += 1
            }
            return nil
        }
        if found == nil { scanIndex = buffer.count }
        return found
    }

    /// Drops consumed bytes once they are the larger part of the buffer.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            scanIndex = 0
            readIndex = 0
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
