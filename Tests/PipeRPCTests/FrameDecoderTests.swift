import Testing

@testable import PipeRPC

/// Feeds `chunks` one at a time and collects every event.
private func decode(_ chunks: [[UInt8]], limit: Int = 1 << 20) -> (events: [FrameEvent], style: FramingStyle?) {
    var decoder = FrameDecoder(maxMessageBytes: limit)
    var events: [FrameEvent] = []
    for chunk in chunks {
        decoder.feed(chunk)
        while let event = decoder.next() { events.append(event) }
    }
    return (events, decoder.style)
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
private func byteByByte(_ text: String) -> [[UInt8]] { bytes(text).map { [$0] } }
private func message(_ text: String) -> FrameEvent { .message(bytes(text)) }

@Suite("Framing state machine")
struct FrameDecoderTests {
    @Test("lines: detected from '{' or '[', split on newlines, CR and blank lines dropped")
    func lines() {
        let input = "\n  {\"a\":1}\r\n\n[1,2]\n{\"b\":2}"
        let (events, style) = decode([bytes(input)])
        #expect(style == .lines)
        // The last message has no newline yet: it waits.
        #expect(events == [message("{\"a\":1}"), message("[1,2]")])
    }

    @Test("lines: the same messages whether fed whole, byte by byte or in odd chunks")
    func linesChunking() {
        let input = "{\"a\":1}\n{\"b\":\"x\\ny\"}\r\n[3]\n"
        let expected = [message("{\"a\":1}"), message("{\"b\":\"x\\ny\"}"), message("[3]")]
        #expect(decode([bytes(input)]).events == expected)
        #expect(decode(byteByByte(input)).events == expected)
        let all = bytes(input)
        for split in 1..<all.count {
            #expect(decode([Array(all[..<split]), Array(all[split...])]).events == expected)
        }
    }

    @Test("Content-Length: headers in any case, optional Content-Type, merged and split messages")
    func contentLength() {
        let first = "{\"id\":1}"
        let second = "{\"id\":22}"
        let input =
            "Content-Length: \(first.utf8.count)\r\n\r\n\(first)"
            + "content-type: application/vscode-jsonrpc; charset=utf8\r\nCONTENT-LENGTH:\(second.utf8.count)\r\n\r\n\(second)"
        let expected = [message(first), message(second)]
        let whole = decode([bytes(input)])
        #expect(whole.style == .contentLength)
        #expect(whole.events == expected)
        #expect(decode(byteByByte(input)).events == expected)
    }

    @Test("Content-Length: bodies may contain newlines and header-like text")
    func bodyIsOpaque() {
        let body = "{\"text\":\"Content-Length: 3\\r\\n\\r\\n\"}\n"
        let input = "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        #expect(decode(byteByByte(input)).events == [message(body)])
    }

    @Test("Content-Length: a bare LF header terminator is accepted")
    func lenientTerminator() {
        #expect(decode([bytes("Content-Length: 2\n\n{}")]).events == [message("{}")])
    }

    @Test("an oversized line is reported and the stream resyncs at the next newline")
    func oversizedLine() {
        let big = "{\"x\":\"" + String(repeating: "a", count: 200) + "\"}"
        let input = big + "\n{\"ok\":1}\n"
        let expected: [FrameEvent] = [.oversized(bytes: big.utf8.count, limit: 100), message("{\"ok\":1}")]
        #expect(decode([bytes(input)], limit: 100).events == expected)
        #expect(decode(byteByByte(input), limit: 100).events == expected)
    }

    @Test("an oversized Content-Length body is skipped without buffering it, then the next message is read")
    func oversizedBody() {
        let big = String(repeating: "b", count: 500)
        let input = "Content-Length: 500\r\n\r\n\(big)Content-Length: 2\r\n\r\n{}"
        let expected: [FrameEvent] = [.oversized(bytes: 500, limit: 100), message("{}")]
        #expect(decode(byteByByte(input), limit: 100).events == expected)
        var decoder = FrameDecoder(maxMessageBytes: 100)
        decoder.feed(bytes("Content-Length: 500\r\n\r\n"))
        _ = decoder.next()
        decoder.feed(bytes(String(repeating: "b", count: 300)))
        _ = decoder.next()
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a charset other than UTF-8 is refused and its body skipped")
    func badCharset() {
        let input =
            "Content-Type: text/plain; charset=latin1\r\nContent-Length: 2\r\n\r\n{}Content-Length: 3\r\n\r\n[1]"
        let events = decode([bytes(input)]).events
        #expect(events.count == 2)
        guard case .badHeader(let reason) = events.first else {
            Issue.record("expected a bad header, got \(events)")
            return
        }
        #expect(reason.contains("latin1"))
        #expect(events.last == message("[1]"))
    }

    @Test("a header block without Content-Length is fatal, and nothing follows")
    func missingLength() {
        let events = decode([bytes("Content-Type: application/json\r\n\r\n{}Content-Length: 2\r\n\r\n{}")]).events
        #expect(events.count == 1)
        guard case .fatal(let reason) = events.first else {
            Issue.record("expected fatal, got \(events)")
            return
        }
        #expect(reason.contains("Content-Length"))
    }

    @Test(
        "garbage instead of headers is fatal",
        arguments: ["hello world\r\n\r\n", "Content-Length: -1\r\n\r\n", "Content-Length: 12abc\r\n\r\n"])
    func garbageHeaders(input: String) {
        let events = decode([bytes(input)]).events
        guard case .fatal = events.first else {
            Issue.record("expected fatal, got \(events)")
            return
        }
    }

    @Test("endless headers are cut off")
    func endlessHeaders() {
        let input = "X-Pad: " + String(repeating: "p", count: 20_000)
        guard case .fatal(let reason)? = decode([bytes(input)]).events.first else {
            Issue.record("expected fatal")
            return
        }
        #expect(reason.contains("header block longer"))
    }

    @Test("a truncated body stays buffered, counted, and produces no message")
    func truncated() {
        var decoder = FrameDecoder()
        decoder.feed(bytes("Content-Length: 10\r\n\r\n{\"a\":"))
        #expect(decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 5)
    }
}
