import Foundation
import Logging
import PipeJSON
import Testing

@testable import PipeServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `PipeServer` running in this process on a free loopback port, with its
/// database and key in a fresh temp folder, and a small JSON client for it.
final class TestServer: Sendable {
    let folder: URL
    let base: String
    let task: Task<Void, any Error>
    let configuration: PipeServerConfiguration

    /// A cheap scrypt (N = 2^10) so tests that register many users stay quick.
    static let testScrypt = ServerCrypto.ScryptParameters(n: 1 << 10, r: 8, p: 1)

    private init(folder: URL, port: Int, task: Task<Void, any Error>, configuration: PipeServerConfiguration) {
        self.folder = folder
        self.base = "http://127.0.0.1:\(port)/v1/api/"
        self.task = task
        self.configuration = configuration
    }

    /// Starts a server on `folder` (a new temp folder when nil); waits up to 60 s for it to listen.
    static func start(folder: URL? = nil, maxBodyBytes: Int = 1 << 20, readOnlyAccounts: Set<String> = [])
        async throws -> TestServer
    {
        let folder =
            folder
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("pipeserver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let configuration = PipeServerConfiguration(
            host: "127.0.0.1", port: 0, databasePath: folder.appendingPathComponent("server.sqlite").path,
            keyPath: folder.appendingPathComponent("server.key").path, maxBodyBytes: maxBodyBytes,
            readOnlyAccounts: readOnlyAccounts, outbound: try OutboundPolicy(), scanFileRoots: [folder.path])
        let key = try ServerKey.loadOrCreate(path: configuration.keyPath)
        let db = try ServerDatabase.open(path: configuration.databasePath)
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical  // a cancelled server logs its closing channels as errors
        let server = PipeServer(
            configuration: configuration,
            service: PipeService(
                db: db, key: key, scrypt: testScrypt, readOnlyAccounts: configuration.readOnlyAccounts,
                scanner: try PipeServer.scanner(configuration)), logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            try await server.run(handleSignals: false) { port in continuation.yield(port) }
        }
        let port = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                for await port in ports { return port }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let port else {
            task.cancel()
            throw TestFailure("the server did not start listening within 60 s")
        }
        return TestServer(folder: folder, port: port, task: task, configuration: configuration)
    }

    /// Stops the server (graceful) and waits for it; keeps the folder.
    func stop() async {
        task.cancel()
        _ = await task.result
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// One request: `path` relative to `/v1/api/` (trailing slash included by the caller).
    func call(
        _ method: String, _ path: String, token: String? = nil, body: JSON? = nil, rawBody: [UInt8]? = nil
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 60
        if let token { request.setValue("Token \(token)", forHTTPHeaderField: "Authorization") }
        if let bytes = rawBody ?? body?.serialized() {
            request.httpBody = Data(bytes)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? -1
        let text = String(decoding: data, as: UTF8.self)
        return Reply(status: status, text: text, json: data.isEmpty ? nil : try? JSON.parse(Array(data)))
    }

    /// Registers `username` (email `<username>@example.org`) and answers its token.
    func register(_ username: String, email: String? = nil, password: String = "pw-\(UUID().uuidString)") async throws
        -> String
    {
        let reply = try await call(
            "POST", "accounts/",
            body: [
                "username": .string(username), "email": .string(email ?? "\(username)@example.org"),
                "password": .string(password),
            ])
        try #require(reply.status == 201, "register \(username): \(reply)")
        return try #require(reply.json?["token"]?.stringValue)
    }
}

/// An HTTP answer: status, body text, and the body as JSON when it parses.
struct Reply: CustomStringConvertible {
    var status: Int
    var text: String
    var json: JSON?

    var description: String { "\(status) \(text)" }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` against a fresh server, then stops it and removes its folder.
func withServer(
    maxBodyBytes: Int = 1 << 20, readOnlyAccounts: Set<String> = [], _ body: (TestServer) async throws -> Void
) async throws {
    let server = try await TestServer.start(maxBodyBytes: maxBodyBytes, readOnlyAccounts: readOnlyAccounts)
    do {
        try await body(server)
    } catch {
        await server.stop()
        server.remove()
        throw error
    }
    await server.stop()
    server.remove()
}
