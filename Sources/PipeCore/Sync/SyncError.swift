import PipeRemotes

/// Why a sync operation refused or failed, with the facts a caller needs.
public enum SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A pull would overwrite these local files, changed since the last sync.
    case conflict([String])
    /// The remote has changes not pulled yet (push refused).
    case notSynced([String])
    /// The caller's role does not allow writing.
    case readOnly(pipe: String)
    /// Named files that do not exist (on the side being read).
    case filesNotFound([String])
    /// A destructive call without `confirm: true`.
    case confirmationRequired(String)
    /// Transfers that failed (after retries); the others completed and are recorded.
    case transfersFailed(failed: [String], firstError: RemoteError)
    case remote(RemoteError)
    case local(FileSystemError)
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .conflict(let files):
            "pull would overwrite \(files.count) locally modified file(s): \(Self.list(files)); pass merge_mode \"keep\" or \"overwrite\""
        case .notSynced(let files):
            "the remote has \(files.count) change(s) not pulled yet: \(Self.list(files)); pull first (or push with mode \"all\")"
        case .readOnly(let pipe): "pipe \(pipe) is read-only for you: your role cannot write"
        case .filesNotFound(let files): "no such file(s): \(Self.list(files))"
        case .confirmationRequired(let what): "\(what): pass confirm: true to proceed"
        case .transfersFailed(let failed, let first):
            "\(failed.count) transfer(s) failed (\(Self.list(failed))), the rest completed: \(first)"
        case .remote(let error): error.description
        case .local(let error): error.description
        case .invalidRequest(let reason): reason
        }
    }

    private static func list(_ files: [String]) -> String {
        files.count <= 10 ? files.joined(separator: ", ") : files.prefix(10).joined(separator: ", ") + ", …"
    }
}
