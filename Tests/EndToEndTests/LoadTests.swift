import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Many authenticated TCP clients at once against one bridge, each sending a
/// stream of mixed requests (some deliberately invalid): every reply is
/// checked and matched to its request by id, and the bridge still answers
/// afterwards. Heavy: filter it with `--filter Load` (or skip it with
/// `--skip Load`).
@Suite("Load", .timeLimit(.minutes(4)))
struct LoadTests {
    static let connections = 100
    static let requestsPerConnection = 1_000
    /// Requests written before the client reads their replies.
    static let window = 50

    /// What a request was and how its reply must look.
    enum Kind: Sendable {
        case ping, info, list, discover, unknownMethod, badParams, malformed

        /// The request for sequence number `n` of a connection.
        static func of(_ n: Int) -> Kind {
            if n % 100 == 7 { return .discover }
            switch n % 20 {
            case 0...5: return .ping
            case 6...9: return .info
            case 10...14: return .list
            case 15: return .unknownMethod
            case 16: return .badParams
            case 17: return .malformed
            default: return .ping
            }
        }

        func request(id: String) -> String {
            switch self {
            case .ping: #"{"jsonrpc":"2.0","id":"\#(id)","method":"session.ping"}"#
            case .info: #"{"jsonrpc":"2.0","id":"\#(id)","method":"session.info"}"#
            case .list: #"{"jsonrpc":"2.0","id":"\#(id)","method":"pipes.list","params":{"names_only":true}}"#
            case .discover: #"{"jsonrpc":"2.0","id":"\#(id)","method":"rpc.discover"}"#
            case .unknownMethod: #"{"jsonrpc":"2.0","id":"\#(id)","method":"no.such_method"}"#
            case .badParams: #"{"jsonrpc":"2.0","id":"\#(id)","method":"pipes.list","params":{"names_only":"yes"}}"#
            // Not JSON: the reply can only carry id null.
            case .malformed: #"{"jsonrpc":"2.0","id":"\#(id)","method":"#
            }
        }

        /// nil when `reply` is right for this kind, else what is wrong.
        func check(_ reply: [String: Any]) -> String? {
            let result = reply["result"]
            let error = reply["error"] as? [String: Any]
            let code = (error?["code"] as? NSNumber)?.intValue
            switch self {
            case .ping:
                return (result as? [String: Any])?["pong"] as? Bool == true ? nil : "ping"
            case .info:
                return (result as? [String: Any])?["profile"] as? String == "default" ? nil : "info"
            case .list:
                return (result as? [String])?.isEmpty == true ? nil : "pipes.list"
            case .discover:
                return ((result as? [String: Any])?["methods"] as? [Any])?.isEmpty == false ? nil : "discover"
            case .unknownMethod:
                return code == -32601 ? nil : "unknown method"
            case .badParams:
                return code == -32602 ? nil : "bad params"
            case .malformed:
                return code == -32700 ? nil : "malformed"
            }
        }
    }

    /// What one client saw.
    struct Tally: Sendable {
        var replies = 0
        var invalid = 0
        var problems: [String] = []
    }

    @Test("100 TCP connections × 1,000 mixed requests: every reply right and matched by id; the bridge serves on")
    func manyConnections() async throws {
        let bridge = try await ListeningBridge.tcp(in: ScratchDirectory())
        defer { bridge.process.kill() }
        let token = try bridge.token()
        let port = try #require(bridge.port)
        let started = ContinuousClock.now

        let done = Waitable<[Tally]>([])
        for connection in 0..<Self.connections {
            let thread = Thread {
                let tally = Self.runClient(connection, port: port, token: token)
                done.update { $0.append(tally) }
            }
            thread.name = "load-client-\(connection)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        let tallies = try await done.wait(for: "every load client to finish", timeout: .seconds(200)) {
            $0.count == Self.connections ? $0 : nil
        }
        let elapsed = ContinuousClock.now - started
        print("load: \(Self.connections)×\(Self.requestsPerConnection) requests in \(elapsed)")

        let problems = tallies.flatMap(\.problems)
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5))")
        #expect(tallies.map(\.replies).reduce(0, +) == Self.connections * Self.requestsPerConnection)
        let invalidSent = (0..<Self.requestsPerConnection).filter {
            [.unknownMethod, .badParams, .malformed].contains(Kind.of($0))
        }.count
        #expect(tallies.map(\.invalid).reduce(0, +) == Self.connections * invalidSent)

        let client = try bridge.connect()
        let rpc = client.peer(.lines)
        #expect(try await TCPTests.authenticate(rpc, token: token).hasResult)
        let ping = try await rpc.call("session.ping", id: #""after""#)
        #expect(ping.resultObject?["pong"] as? Bool == true)
        client.close()
        bridge.process.signal(SIGTERM)
        #expect(try await bridge.process.waitForExit(timeout: .seconds(60)) == .exited(0))
    }

    /// One client: authenticates, then sends its requests a window at a time
    /// and checks each window's replies (any order) before the next.
    static func runClient(_ connection: Int, port: Int, token: String) -> Tally {
        var tally = Tally()
        guard let socket = LineSocket(port: port) else {
            tally.problems.append("connection \(connection): connect failed: \(String(cString: strerror(errno)))")
            return tally
        }
        defer { socket.close() }
        do {
            try socket.send(
                #"{"jsonrpc":"2.0","id":"auth","method":"session.authenticate","params":{"token":"\#(token)"}}"#)
            let auth = try socket.readReply()
            guard auth["result"] != nil, auth["id"] as? String == "auth" else {
                tally.problems.append("connection \(connection): authentication failed: \(auth)")
                return tally
            }
            var next = 0
            while next < requestsPerConnection {
                let batch = next..<min(next + window, requestsPerConnection)
                var pending: [String: Kind] = [:]
                var malformed = 0
                var text = ""
                for n in batch {
                    let id = "c\(connection)-\(n)"
                    let kind = Kind.of(n)
                    if kind == .malformed { malformed += 1 } else { pending[id] = kind }
                    text += kind.request(id: id) + "\n"
                }
                try socket.send(text)
                for _ in batch {
                    let reply = try socket.readReply()
                    tally.replies += 1
                    let kind: Kind
                    if let id = reply["id"] as? String {
                        guard let expected = pending.removeValue(forKey: id) else {
                            tally.problems.append("connection \(connection): unexpected or repeated id \(id)")
                            continue
                        }
                        kind = expected
                    } else if reply["id"] is NSNull, malformed > 0 {
                        malformed -= 1
                        kind = .malformed
                    } else {
                        tally.problems.append("connection \(connection): reply without a known id: \(reply)")
                        continue
                    }
                    if [.unknownMethod, .badParams, .malformed].contains(kind) { tally.invalid += 1 }
                    if let wrong = kind.check(reply) {
                        tally.problems.append("connection \(connection): wrong \(wrong) reply: \(reply)")
                    }
                }
                if !pending.isEmpty {
                    tally.problems.append("connection \(connection): no reply to \(pending.keys.sorted().prefix(3))")
                }
                next = batch.upperBound
            }
        } catch {
            tally.problems.append("connection \(connection): \(error)")
        }
        return tally
    }
}

/// A blocking TCP client speaking one JSON text per line, for client threads.
final class LineSocket {
    private let descriptor: CInt
    private var buffer: [UInt8] = []
    private var start = 0

    init?(port: Int) {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        // A silent bridge fails the test instead of hanging it.
        var limit = timeval(tv_sec: 90, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            posixClose(descriptor)
            return nil
        }
    }

    func send(_ text: String) throws {
        try writeAll(Array(text.utf8) + (text.hasSuffix("\n") ? [] : [10]), to: descriptor, timeout: .seconds(90))
    }

    /// The next line, parsed as a JSON object.
    func readReply() throws -> [String: Any] {
        let line = try readLine()
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(Message.preview(line))")
        }
        return object
    }

    private func readLine() throws -> [UInt8] {
        while true {
            if let newline = buffer[start...].firstIndex(of: 10) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                if start > 1 << 16 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                throw HarnessError(count == 0 ? "the bridge closed the connection" : String(cString: strerror(errno)))
            }
            buffer += chunk[0..<count]
        }
    }

    func close() { posixClose(descriptor) }
}
