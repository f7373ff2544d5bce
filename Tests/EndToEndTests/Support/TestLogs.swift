import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps what the bridges under test wrote to stderr, for scripts/check-test-logs.
///
/// With `DATAPIPE_TEST_LOG_DIR` set, every spawned `datapipe` has its stderr
/// copied to `<dir>/datapipe-<pid>.stderr`, and secrets the tests hand out at
/// run time (TCP tokens) are listed in `<dir>/secrets.list`, one per line; the
/// script then fails when any log contains any secret. Without the variable
/// nothing is written.
enum TestLogs {
    static let directory: String? = {
        guard let path = ProcessInfo.processInfo.environment["DATAPIPE_TEST_LOG_DIR"], !path.isEmpty else {
            return nil
        }
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// A descriptor appending to `<dir>/<name>`, or nil without a log folder.
    static func open(_ name: String) -> CInt? {
        guard let directory else { return nil }
        let descriptor = Glibc.open(directory + "/" + name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        return descriptor >= 0 ? descriptor : nil
    }

    /// Lists a secret the logs must never contain.
    static func recordSecret(_ secret: String) {
        guard !secret.isEmpty, let descriptor = open("secrets.list") else { return }
        defer { close(descriptor) }
        let line = Array((secret + "\n").utf8)
        _ = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }
}
