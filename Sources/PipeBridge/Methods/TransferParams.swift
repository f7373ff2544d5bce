import PipeCore
import PipeRPC

/// The params of the preview, pull and push methods; each method's `params`
/// list says which of them it takes.
public struct TransferParams: Decodable, Sendable {
    public var pipe: String
    public var files: [String]?
    public var include: String?
    public var exclude: String?
    public var nrecent: Int?
    public var mode: SyncMode?
    public var cached: Bool?
    public var mergeMode: MergeMode?
    public var fromdb: Bool?
    public var concurrency: Int?

    enum CodingKeys: String, CodingKey {
        case pipe, files, include, exclude, nrecent, mode, cached, fromdb, concurrency
        case mergeMode = "merge_mode"
    }

    static let previewParams: [ParamSpec] = [
        .required("pipe"), .optional("files"), .optional("include"), .optional("exclude"), .optional("nrecent"),
        .optional("mode"), .optional("cached"),
    ]

    var request: SelectionRequest {
        SelectionRequest(
            files: files, include: include, exclude: exclude, nrecent: nrecent ?? 0, mode: mode ?? .default)
    }

    func engine(_ context: BridgeContext) async throws -> SyncEngine {
        if let concurrency, !(1...64).contains(concurrency) {
            throw RPCError.invalidParams(
                "concurrency must be between 1 and 64, got \(concurrency)", path: "concurrency")
        }
        return try await context.session.engine(for: pipe, concurrency: concurrency)
    }
}

/// `{files, bytes}`: what a preview covers or a transfer moved.
public struct TransferSummary: Encodable, Sendable {
    public var files: [String]
    public var bytes: Int64
}

extension BridgeContext {
    /// Forwards transfer progress as `$/progress` notifications.
    var transferProgress: ProgressSink {
        { report in
            let kind: ProgressReport.Kind =
                switch report.phase {
                case .begin: .begin
                case .report: .report
                case .end: .end
                }
            self.progress(
                ProgressReport(
                    kind: kind, message: "\(report.filesDone)/\(report.filesTotal) files", filesDone: report.filesDone,
                    filesTotal: report.filesTotal, bytesDone: report.bytesDone, bytesTotal: report.bytesTotal))
        }
    }
}
