import ArgumentParser
import Foundation
import Logging
import PipeBridge
import PipeRPC

/// `datapipe rpc`: the JSON-RPC 2.0 bridge over stdio, TCP or a Unix socket.
struct RPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc",
        abstract: "Serve the JSON-RPC 2.0 bridge (stdin/stdout unless --tcp or --unix).",
        discussion: """
            Framing is detected per connection: a first byte of '{' or '[' means one JSON \
            text per line, anything else LSP-style Content-Length headers. Logs go to stderr.
            """
    )

    @Option(
        name: .customLong("tcp"),
        help: ArgumentHelp("Listen on TCP HOST:PORT (port 0 picks a free one).", valueName: "host:port"))
    var tcpAddress: String?

    @Option(
        name: .customLong("unix"),
        help: ArgumentHelp("Listen on a Unix socket at PATH (created 0600).", valueName: "path"))
    var unixPath: String?

    @Option(help: ArgumentHelp("Config file (default: $DATAPIPE_CONFIG or ~/.datapipe/cfg.json).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Profile (default: $DATAPIPE_PROFILE or 'default').", valueName: "name"))
    var profile: String?

    @Flag(help: "Let TCP connections in without session.authenticate.")
    var noAuth = false

    @Option(help: ArgumentHelp("Where the TCP token is written (default: beside the config file).", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("Largest message accepted, in bytes.", valueName: "n"))
    var maxMessageBytes: Int = 64 << 20

    @Option(help: ArgumentHelp("Requests running at once per connection.", valueName: "n"))
    var maxInFlight: Int = 64

    @Option(help: ArgumentHelp("Seconds in-flight requests get to finish at shutdown.", valueName: "s"))
    var drainTimeout: Int = 10

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .notice

    func validate() throws {
        if tcpAddress != nil && unixPath != nil { throw ValidationError("choose one of --tcp and --unix") }
        if maxMessageBytes < 1024 { throw ValidationError("--max-message-bytes must be at least 1024") }
        if maxInFlight < 1 { throw ValidationError("--max-in-flight must be at least 1") }
        if drainTimeout < 0 { throw ValidationError("--drain-timeout cannot be negative") }
        if let tcpAddress { _ = try ListenAddress(parsing: tcpAddress) }
    }

    func run() async throws {
        let logger = makeLogger(level: logLevel)
        let configFile = config ?? BridgeEnvironment.defaultConfigFile()
        var environment = BridgeEnvironment(
            configFile: configFile, profile: profile ?? BridgeEnvironment.defaultProfile())
        let options = ConnectionOptions(
            maxMessageBytes: maxMessageBytes, maxInFlight: maxInFlight, drainTimeout: .seconds(drainTimeout))

        if tcpAddress != nil, !noAuth {
            let path = tokenFile ?? (configFile as NSString).deletingLastPathComponent + "/rpc-token"
            environment.connectionToken = try TokenFile.create(at: path)
            logger.notice("TCP token written to \(path)")
        }
        let frozen = environment
        let endpoint = RPCEndpoint(
            registry: BridgeMethods.registry(), options: options, logger: logger,
            makeSession: { peer in BridgeSession(environment: frozen, peer: peer) })
        let signals = ShutdownSignals { await endpoint.shutdown() }
        defer { signals.cancel() }

        if let tcpAddress {
            let address = try ListenAddress(parsing: tcpAddress)
            let bound = try await endpoint.listenTCP(host: address.host, port: address.port)
            logger.notice("listening on \(bound)\(noAuth ? " (no auth)" : "")")
            await signals.waitForShutdown()
        } else if let unixPath {
            try await endpoint.listenUnix(path: unixPath)
            logger.notice("listening on unix:\(unixPath)")
            await signals.waitForShutdown()
            try? FileManager.default.removeItem(atPath: unixPath)
        } else {
            try await endpoint.serveStdio()
        }
    }
}

/// `HOST:PORT`, `:PORT` or `PORT`; the host defaults to loopback.
struct ListenAddress {
    var host: String
    var port: Int

    init(parsing text: String) throws {
        let hostPart: Substring
        let portPart: Substring
        if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            hostPart = ""
            portPart = Substring(text)
        }
        guard let port = Int(portPart), (0...65535).contains(port) else {
            throw ValidationError("--tcp \(text): expected HOST:PORT with a port from 0 to 65535")
        }
        var host = hostPart.isEmpty ? "127.0.0.1" : String(hostPart)
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = port
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

func makeLogger(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "datapipe")
    logger.logLevel = level
    return logger
}
