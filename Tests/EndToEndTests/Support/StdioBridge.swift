import Foundation
import Testing

/// `datapipe rpc` over stdin/stdout in a scratch folder of its own, with a
/// client in one framing. Every frame read is checked to be a JSON-RPC message.
struct StdioBridge {
    let directory: ScratchDirectory
    let process: BridgeProcess
    let rpc: RPCPeer

    init(_ extra: [String] = [], framing: Framing = .lines, environment: [String: String] = [:]) throws {
        directory = try ScratchDirectory()
        process = try BridgeProcess.rpc(extra, in: directory, environment: environment)
        rpc = process.peer(framing)
    }

    /// Closes stdin and checks the bridge says nothing more and exits 0.
    func expectCleanEnd(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let end = try await process.finish(rpc)
        #expect(
            end.rest.isEmpty, "unexpected messages after the last reply: \(end.rest)", sourceLocation: sourceLocation)
        #expect(end.status == .exited(0), "stderr: \(process.stderr.text.suffix(1500))", sourceLocation: sourceLocation)
    }

    /// Sends a plain request that must be answered: the bridge still serves.
    func expectStillServing(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await rpc.call("session.ping", id: #""still-alive""#)
        #expect(reply.resultObject?["pong"] as? Bool == true, "\(reply)", sourceLocation: sourceLocation)
    }
}

extension Message {
    /// The raw bytes of `params.<key>` of a notification.
    func rawParam(_ key: String) -> String? {
        guard let params = RawJSON.member("params", of: raw), let value = RawJSON.member(key, of: Array(params)) else {
            return nil
        }
        return String(decoding: value, as: UTF8.self)
    }
}

/// A request padded with blanks to exactly `size` bytes of JSON text.
func paddedPing(id: String, size: Int) -> String {
    let head = #"{"jsonrpc":"2.0","id":\#(id),"method":"session.ping""#
    let padding = size - head.utf8.count - 1
    precondition(padding >= 0)
    return head + String(repeating: " ", count: padding) + "}"
}
