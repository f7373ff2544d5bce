import Foundation
import Testing

/// The harness's children inherit nothing but stdin, stdout and stderr: a
/// descriptor the test process has open (without close-on-exec) stays out
/// of them, so no child can hold another child's pipe or socket open.
@Suite("Spawned processes")
struct SpawnTests {
    @Test("a bridge spawned by the harness holds none of the test process's other descriptors")
    func noInheritedDescriptors() async throws {
        let directory = try ScratchDirectory()
        let marker = directory.file("held-open-by-the-test")
        let held = open(marker, O_WRONLY | O_CREAT, 0o644)  // deliberately without O_CLOEXEC
        try #require(held >= 0)
        defer { close(held) }
        let bridge = try BridgeProcess.rpc(in: directory)
        defer { bridge.kill() }
        _ = try await bridge.peer(.lines).call("session.ping", id: "1")
        let folder = "/proc/\(bridge.pid)/fd"
        let targets = try FileManager.default.contentsOfDirectory(atPath: folder).compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0)
        }
        #expect(!targets.isEmpty, "the bridge's descriptors can be read")
        #expect(!targets.contains(marker), "the bridge inherited \(marker): \(targets)")
    }
}
