import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes received so far from one descriptor, consumed from the front.
struct Inbox: Sendable {
    var bytes: [UInt8] = []
    /// Start of the unconsumed bytes.
    var start = 0
    /// Where the search for the next delimiter resumes (avoids rescanning a
    /// long message that arrives in many chunks).
    var scan = 0
    var ended = false
    /// Everything ever received, for diagnostics.
    var totalReceived = 0

    var unconsumed: ArraySlice<UInt8> { bytes[start...] }
    var unconsumedCount: Int { bytes.count - start }

    mutating func consume(upTo end: Int) {
        start = end
        scan = end
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
            start = 0
            scan = 0
        } else if start > 1 << 16, start * 2 > bytes.count {
            bytes.removeFirst(start)
            scan -= start
            start = 0
        }
    }

    /// Index of `byte` at or after `scan`, using memchr.
    mutating func find(_ byte: UInt8) -> Int? {
        let from = max(scan, start)
        let found: Int? = bytes.withUnsafeBufferPointer { buffer in
            guard from < buffer.count, let base = buffer.baseAddress else { return nil }
            guard let hit = memchr(base + from, Int32(byte), buffer.count - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        if found == nil { scan = bytes.count }
        return found
    }
}

/// Reads one descriptor on a thread of its own until end of file, so tests can
/// wait for output with a timeout and never block the cooperative pool.
final class ByteStream: Sendable {
    let name: String
    let inbox = Waitable(Inbox())

    /// Starts reading `descriptor`; the stream closes it at end of file.
    /// With `copy`, every byte read is also written there (closed at end of file).
    init(name: String, descriptor: CInt, copy: CInt? = nil) {
        self.name = name
        let inbox = self.inbox
        let thread = Thread {
            var chunk = [UInt8](repeating: 0, count: 256 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                if let copy { _ = chunk.withUnsafeBytes { write(copy, $0.baseAddress, count) } }
                inbox.update { inbox in
                    inbox.bytes.append(contentsOf: chunk[0..<count])
                    inbox.totalReceived += count
                }
            }
            close(descriptor)
            if let copy { close(copy) }
            inbox.update { $0.ended = true }
        }
        thread.name = "e2e-reader-\(name)"
        thread.start()
    }

    /// Everything received and not consumed, as text (for stderr and diagnostics).
    var text: String {
        inbox.withState { String(decoding: $0.unconsumed, as: UTF8.self) }
    }

    var hasEnded: Bool { inbox.withState { $0.ended } }

    /// Waits until the received text contains `needle`; returns the whole text.
    @discardableResult
    func waitForText(containing needle: String, timeout: Duration = .seconds(60)) async throws -> String {
        try await inbox.wait(for: "\(name) to contain \"\(needle)\" (have: \(text.suffix(2000)))", timeout: timeout) {
            inbox in
            let text = String(decoding: inbox.unconsumed, as: UTF8.self)
            return text.contains(needle) ? text : nil
        }
    }

    /// Waits for end of file; returns the unconsumed bytes.
    @discardableResult
    func waitForEnd(timeout: Duration = .seconds(60)) async throws -> [UInt8] {
        try await inbox.wait(for: "end of \(name)", timeout: timeout) { inbox in
            inbox.ended ? Array(inbox.unconsumed) : nil
        }
    }
}

/// How messages are delimited on the wire.
enum Framing: Sendable, Equatable {
    /// One JSON text per line.
    case lines
    /// `Content-Length: N\r\n\r\n` headers before each body.
    case contentLength

    func frame(_ body: some Collection<UInt8>) -> [UInt8] {
        switch self {
        case .lines:
            return Array(body) + [0x0A]
        case .contentLength:
            return Array("Content-Length: \(body.count)\r\n\r\n".utf8) + Array(body)
        }
    }

    func frame(_ text: String) -> [UInt8] { frame(Array(text.utf8)) }

    /// Takes one complete frame body off the front of `inbox`, or nil when more
    /// bytes are needed. Throws when the bytes are not framed this way.
    func extract(from inbox: inout Inbox) throws -> [UInt8]? {
        switch self {
        case .lines:
            guard let newline = inbox.find(0x0A) else { return nil }
            let body = Array(inbox.bytes[inbox.start..<newline])
            inbox.consume(upTo: newline + 1)
            return body
        case .contentLength:
            guard inbox.unconsumedCount > 0 else { return nil }
            let first = inbox.bytes[inbox.start]
            if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                throw HarnessError(
                    "expected a Content-Length frame, got a bare JSON text: \(String(decoding: inbox.unconsumed.prefix(200), as: UTF8.self))"
                )
            }
            let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
            let window = inbox.unconsumed
            guard let headerEnd = window.firstRange(of: separator) else {
                if window.count > 4096 {
                    throw HarnessError(
                        "no end of headers in \(window.count) bytes: \(String(decoding: window.prefix(200), as: UTF8.self))"
                    )
                }
                return nil
            }
            let header = String(decoding: inbox.bytes[inbox.start..<headerEnd.lowerBound], as: UTF8.self)
            var length: Int?
            for line in header.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else {
                    throw HarnessError("malformed header line \"\(line)\" in \"\(header)\"")
                }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if name == "content-length" {
                    guard let parsed = Int(value), parsed >= 0 else {
                        throw HarnessError("bad Content-Length \"\(value)\"")
                    }
                    length = parsed
                }
            }
            guard let length else { throw HarnessError("header block without Content-Length: \"\(header)\"") }
            let bodyStart = headerEnd.upperBound
            guard inbox.bytes.count - bodyStart >= length else { return nil }
            let body = Array(inbox.bytes[bodyStart..<bodyStart + length])
            inbox.consume(upTo: bodyStart + length)
            return body
        }
    }
}

extension ByteStream {
    /// The next frame's body, or nil at a clean end of file. Throws on a
    /// timeout, on bytes that are not framed as expected, and on a stream that
    /// ends inside a frame.
    func nextFrame(_ framing: Framing, timeout: Duration) async throws -> [UInt8]? {
        let name = self.name
        return try await inbox.wait(for: "a frame on \(name)", timeout: timeout) { inbox -> [UInt8]?? in
            if let body = try framing.extract(from: &inbox) { return .some(body) }
            guard inbox.ended else { return nil }
            guard inbox.unconsumedCount == 0 else {
                throw HarnessError(
                    "\(name) ended inside a frame, \(inbox.unconsumedCount) bytes after the last complete one: "
                        + String(decoding: inbox.unconsumed.prefix(120), as: UTF8.self) + "…")
            }
            return .some(nil)
        }
    }
}
