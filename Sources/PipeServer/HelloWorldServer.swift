import Hummingbird
import Logging

/// Hummingbird's bare hello-world (one route, `GET /` answering `Hello!`),
/// served by the same binary and build as the repo API, so `bench/server`
/// can measure the API against the framework's own floor in the same run.
/// Not a product feature: `datapipe bench-hello` is hidden from the help.
public enum HelloWorldServer {
    /// Serves until cancelled; `onListening` gets the bound port.
    public static func run(
        host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let router = Router()
        router.get("/") { _, _ in "Hello!" }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) }, logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
