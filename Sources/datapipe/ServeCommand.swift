import ArgumentParser
import Foundation
import Logging
import PipeRemotes
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

    @Option(
        help: ArgumentHelp(
            "Managed pipes (d6tpipe's d6tfree): a pipe registered with a name alone gets the folder "
                + "<prefix><owner>/<name>/ here and short-lived keys from STS. The server's own keys come from "
                + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; needs --managed-role-arn.",
            valueName: "s3://bucket/prefix/"))
    var managedStorage: String?

    @Option(help: ArgumentHelp("The S3 and STS endpoint of an S3-compatible server (default: AWS).", valueName: "url"))
    var managedEndpoint: String?

    @Option(help: ArgumentHelp("The role STS assumes for managed pipes' keys.", valueName: "arn"))
    var managedRoleArn: String?

    @Option(
        help: ArgumentHelp("The managed bucket's region (default: AWS_REGION, else us-east-1).", valueName: "region"))
    var managedRegion: String?

    @Option(help: ArgumentHelp("How long managed pipes' keys live, 15 to 720.", valueName: "minutes"))
    var managedKeyMinutes = 60

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (try? ListenAddress(parsing: listen)) != nil else {
            throw ValidationError("--listen \(listen): expected HOST:PORT with a port from 0 to 65535")
        }
        if maxBodyBytes < 1024 { throw ValidationError("--max-body-bytes must be at least 1024") }
        _ = try outboundPolicy()
        _ = try managedStorageSettings()
    }

    /// `--managed-*` as the server takes them; nil without `--managed-storage`.
    func managedStorageSettings() throws -> ManagedStorage? {
        guard let managedStorage else { return nil }
        guard let role = managedRoleArn, !role.isEmpty else {
            throw ValidationError("--managed-storage needs --managed-role-arn (the role STS assumes)")
        }
        guard (15...720).contains(managedKeyMinutes) else {
            throw ValidationError("--managed-key-minutes must be 15 to 720 (STS's limits), got \(managedKeyMinutes)")
        }
        let environment = ProcessInfo.processInfo.environment
        guard let keyID = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"],
            !keyID.isEmpty, !secret.isEmpty
        else {
            throw ValidationError(
                "--managed-storage needs the server's keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        do {
            return try ManagedStorage(
                location: managedStorage, endpoint: try managedEndpoint.map { try S3Endpoint.parse($0) },
                region: managedRegion ?? environment["AWS_REGION"] ?? "us-east-1", roleARN: role,
                credentials: S3Credentials(
                    accessKeyID: keyID, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]),
                lifetime: managedKeyMinutes * 60)
        } catch {
            throw ValidationError("--managed-storage/--managed-endpoint: \(error)")
        }
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
            scanFileRoots: scanFileRoot.map { NSString(string: $0).expandingTildeInPath },
            managed: try managedStorageSettings())
        let server = try PipeServer(configuration: configuration, logger: logger)
        try await server.run(handleSignals: true) { port in
            logger.notice("listening on http://\(address.host):\(port)/v1/api/ (db \(dbPath))")
            FileHandle.standardOutput.write(Data("{\"port\": \(port)}\n".utf8))
        }
        logger.notice("stopped")
    }
}
