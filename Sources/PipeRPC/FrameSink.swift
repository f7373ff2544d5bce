/// Where a connection's outgoing frames go. Transports implement it; the
/// connection never learns whether it serves stdio, TCP, a Unix socket or an
/// in-memory test pair.
public protocol FrameSink: Sendable {
    /// Queues framed bytes for the peer. Called from any thread; bytes go out
    /// in call order. Must not block on the peer.
    func write(_ bytes: [UInt8])
    /// Flushes what was written and closes the output side; returns once the
    /// bytes are handed to the operating system (or the peer is gone).
    func finish() async
}

/// Lets a connection slow its input down: while paused, the transport stops
/// reading, so a peer cannot queue unbounded work.
public protocol InputPacing: Sendable {
    func setReadingPaused(_ paused: Bool)
}
