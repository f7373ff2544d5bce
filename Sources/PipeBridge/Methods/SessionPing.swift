import PipeJSON
import PipeRPC

/// `session.ping`: a liveness check that can also wait, reporting progress,
/// so clients can test their keep-alive, progress and cancellation handling.
public enum SessionPing: BridgeMethod {
    public static let name = "session.ping"
    public static let params: [ParamSpec] = [.optional("delay_ms")]
    static let maxDelayMilliseconds = 60_000

    public struct Params: Decodable, Sendable {
        public var delayMilliseconds: Int?

        enum CodingKeys: String, CodingKey {
            case delayMilliseconds = "delay_ms"
        }
    }

    public struct Result: Codable, Sendable, Equatable {
        public var pong: Bool
        public var waitedMilliseconds: Int

        enum CodingKeys: String, CodingKey {
            case pong
            case waitedMilliseconds = "waited_ms"
        }
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let delay = params.delayMilliseconds ?? 0
        guard (0...maxDelayMilliseconds).contains(delay) else {
            throw RPCError.invalidParams(
                "delay_ms must be between 0 and \(maxDelayMilliseconds), got \(delay)", path: "delay_ms")
        }
        guard delay > 0 else { return Result(pong: true, waitedMilliseconds: 0) }
        let step = 100
        context.progress(ProgressReport(kind: .begin, message: "waiting \(delay) ms"))
        var waited = 0
        while waited < delay {
            let slice = min(step, delay - waited)
            try await Task.sleep(for: .milliseconds(slice))
            waited += slice
            context.progress(ProgressReport(kind: .report, message: "waited \(waited) of \(delay) ms"))
        }
        context.progress(ProgressReport(kind: .end, message: "done"))
        return Result(pong: true, waitedMilliseconds: waited)
    }
}
