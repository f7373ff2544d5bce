// libFuzzer target: the framing state machine (PipeRPC.FrameDecoder).
// The first input byte picks chunk sizes, the rest is the stream.
// Invariants: no crash; no message over the limit is delivered; nothing comes
// after a fatal event; and, short of size-limit events, the events do not depend
// on how the stream was split into reads.
import PipeRPC

let limit = 64

func events(of stream: ArraySlice<UInt8>, chunk: Int) -> [FrameEvent] {
    var decoder = FrameDecoder(maxMessageBytes: limit)
    var found: [FrameEvent] = []
    var start = stream.startIndex
    while start < stream.endIndex {
        let end = min(start + chunk, stream.endIndex)
        decoder.feed(stream[start..<end])
        while let event = decoder.next() { found.append(event) }
        precondition(decoder.bufferedByteCount >= 0)
        start = end
    }
    return found
}

func check(_ found: [FrameEvent]) {
    for (index, event) in found.enumerated() {
        if case .message(let body) = event { precondition(body.count <= limit, "message over the limit delivered") }
        if case .fatal = event { precondition(index == found.count - 1, "events after a fatal one") }
    }
}

func mentionsSize(_ found: [FrameEvent]) -> Bool {
    found.contains { if case .oversized = $0 { true } else { false } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let chunk = Int(bytes[0] % 17) + 1
    let stream = bytes[1...]
    let whole = events(of: stream, chunk: max(stream.count, 1))
    let split = events(of: stream, chunk: chunk)
    check(whole)
    check(split)
    if !mentionsSize(whole) && !mentionsSize(split) {
        precondition(whole == split, "events depend on the read size \(chunk): \(whole) vs \(split)")
    }
    return 0
}
