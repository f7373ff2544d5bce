import PipeJSON
import PipeRPC
import PipeRepo

/// `pipe.watch`: follows what the repo server's scans record of a pipe's
/// remote and sends a `pipe/changed` notification for each batch of changes,
/// until the call is cancelled (`$/cancelRequest`) or `duration_ms` passes.
/// Server mode only. The server records changes when it scans: on the pipe's
/// `options.schedule`, or when someone asks for a fresh listing.
public enum PipeWatch: BridgeMethod {
    public typealias Result = JSON
    public static let name = "pipe.watch"
    public static let params: [ParamSpec] = [
        .required("pipe"), .optional("since"), .optional("interval_ms"), .optional("duration_ms"),
    ]

    public struct Params: Decodable, Sendable {
        public var pipe: String
        public var since: Int64?
        public var interval_ms: Int?
        public var duration_ms: Int?
    }

    /// The shortest poll interval accepted.
    static let minimumInterval = 100

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        let repo = try context.session.requireServerMode(name)
        let interval = params.interval_ms ?? 5_000
        guard interval >= minimumInterval else {
            throw BridgeError(
                .invalidSettings, "interval_ms must be at least \(minimumInterval), got \(interval)",
                facts: ["field": "interval_ms"])
        }
        if let duration = params.duration_ms, duration < 0 {
            throw BridgeError(
                .invalidSettings, "duration_ms must not be negative, got \(duration)", facts: ["field": "duration_ms"])
        }
        let clock = ContinuousClock()
        let deadline = params.duration_ms.map { clock.now + .milliseconds($0) }
        var cursor: Int64
        if let since = params.since {
            cursor = since
        } else {
            cursor = try await repo.changes(params.pipe, since: "latest").cursor
        }
        var notifications = 0
        while true {
            let wait = Duration.milliseconds(interval)
            if let deadline {
                let left = deadline - clock.now
                if left <= .zero { break }
                try await Task.sleep(for: min(wait, left))
            } else {
                try await Task.sleep(for: wait)
            }
            var page = try await repo.changes(params.pipe, since: String(cursor))
            while !page.changes.isEmpty {
                cursor = page.cursor
                notifications += 1
                context.notify(
                    "pipe/changed",
                    [
                        "token": context.progressToken, "pipe": .string(params.pipe), "changes": .array(page.changes),
                        "cursor": .integer(cursor),
                    ])
                guard page.more else { break }
                page = try await repo.changes(params.pipe, since: String(cursor))
            }
        }
        return [
            "pipe": .string(params.pipe), "cursor": .integer(cursor), "notifications": .integer(Int64(notifications)),
        ]
    }
}
