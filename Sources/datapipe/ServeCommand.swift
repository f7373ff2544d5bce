import ArgumentParser
import Foundation
import Logging
import PipeServer

/// `datapipe serve`: the repo API server (d6tpipe 1.2.7's REST API).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the repo API (d6tpipe's REST API under /v1/api/) over HTTP.",
        discussion: """
            Accounts, pipes and grants live in a SQLite file (--db); stored pipe credentials and \
            API tokens are sealed with AES-256-GCM under the server key (--key-file, 0600, made on \
            first start). Once listening, one line {"port": N} goes to stdout; logs go to stderr. \
            SIGTERM or SIGINT stop it after in-flight requests finish.
            """
    )

    @Option(help: ArgumentHelp("Listen on HOST:PORT (port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:5000"

    @Option(help: ArgumentHelp("The SQLite file (default: ~/.datapipe/server.sqlite).", valueName: "file"))
    var db: String?

    @Option(help: ArgumentHelp("The server key file (default: the --db file + .key).", valueName: "file"))
    var keyFile: String?

    @Option(help: ArgumentHelp("Largest request body accepted, in bytes.", valueName: "n"))
    var maxBodyBytes: Int = 1 << 20

    @Option(
        name: .customLong("read-only-account"),
        help: ArgumentHelp(
            "A demo-style account (repeatable): it cannot register pipes and reads at most.", valueName: "username"))
    var readOnlyAccounts: [String] = []

    @Option(
        help: ArgumentHelp(
            "Networks server-side scans never connect to: CIDR blocks or addresses, comma-separated, or 'none' "
                + "(default: \(OutboundPolicy.defaultDenied.joined(separator: ",")): link-local and cloud metadata).",
            valueName: "cidrs"))
    var denyOutbound: String?

    @Option(
        help: ArgumentHelp(
            "A folder below which the server may scan file pipes (repeatable; default: it scans none).",
            valueName: "folder"))
    var scanFileRoot: [String] = []

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (try? ListenAddress(parsing: listen)) != nil else {
            throw ValidationError("--listen \(listen): expected HOST:PORT with a port from 0 to 65535")
        }
        if maxBodyBytes < 1024 { throw ValidationError("--max-body-bytes must be at least 1024") }
        _ = try outboundPolicy()
    }

    func outboundPolicy() throws -> OutboundPolicy {
        guard let denyOutbound else { return try OutboundPolicy() }
        let entries = denyOutbound.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        do {
            return try OutboundPolicy(denied: entries == ["none"] ? [] : entries.filter { !$0.isEmpty })
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let logger = makeLogger(level: logLevel)
        let address = try ListenAddress(parsing: listen)
        let dbPath = db ?? NSString(string: "~/.datapipe/server.sqlite").expandingTildeInPath
        try FileManager.default.createDirectory(
            atPath: (dbPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let configuration = PipeServerConfiguration(
            host: address.host, port: address.port, databasePath: dbPath, keyPath: keyFile ?? dbPath + ".key",
            maxBodyBytes: maxBodyBytes, readOnlyAccounts: Set(readOnlyAccounts), outbound: try outboundPolicy(),
            scanFileRoots: scanFileRoot.map { NSString(string: $0).expandingTildeInPath })
        let server = try PipeServer(configuration: configuration, logger: logger)
        try await server.run(handleSignals: true) { port in
            logger.notice("listening on http://\(address.host):\(port)/v1/api/ (db \(dbPath))")
            FileHandle.standardOutput.write(Data("{\"port\": \(port)}\n".utf8))
        }
        logger.notice("stopped")
    }
}
