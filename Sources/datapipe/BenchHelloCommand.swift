import ArgumentParser
import Foundation
import Logging
import PipeServer

/// `datapipe bench-hello`: Hummingbird's hello-world, the peer `bench/server`
/// measures `datapipe serve` against. Hidden: a benchmark tool, not a feature.
struct BenchHelloCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-hello", abstract: "Hummingbird's hello-world (for bench/server).", shouldDisplay: false)

    @Option(help: ArgumentHelp("Listen on HOST:PORT (port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:0"

    func run() async throws {
        let address = try ListenAddress(parsing: listen)
        var logger = Logger(label: "bench-hello")
        logger.logLevel = .warning
        try await HelloWorldServer.run(host: address.host, port: address.port, logger: logger) { port in
            FileHandle.standardOutput.write(Data("{\"port\": \(port)}\n".utf8))
        }
    }
}
