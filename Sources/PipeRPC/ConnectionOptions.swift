/// Limits of one connection.
public struct ConnectionOptions: Sendable {
    /// Largest message body accepted; larger ones are answered with an error and skipped.
    public var maxMessageBytes: Int
    /// Requests running at once; further ones wait in a queue.
    public var maxInFlight: Int
    /// Requests waiting for a slot before the connection stops reading input.
    public var maxQueued: Int
    /// How long in-flight requests may run after the input ends or a shutdown
    /// is asked for, before they are cancelled.
    public var drainTimeout: Duration

    public init(
        maxMessageBytes: Int = 64 << 20, maxInFlight: Int = 64, maxQueued: Int = 1024,
        drainTimeout: Duration = .seconds(10)
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.maxInFlight = max(1, maxInFlight)
        self.maxQueued = max(1, maxQueued)
        self.drainTimeout = drainTimeout
    }
}
