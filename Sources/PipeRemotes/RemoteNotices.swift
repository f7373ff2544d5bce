#if canImport(Glibc)
    import Glibc
#endif

/// Where remote stores send warnings a user should see (a host key recorded
/// on first contact). A caller that can show them (the bridge's `$/log`)
/// binds `handler` around its work; without one they go to stderr.
public enum RemoteNotices {
    @TaskLocal public static var handler: (@Sendable (String) -> Void)?

    /// The current Task's warning sink, captured for blocking work.
    static func currentSink() -> @Sendable (String) -> Void {
        handler ?? { message in
            let line = Array("datapipe: warning: \(message)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
    }
}
