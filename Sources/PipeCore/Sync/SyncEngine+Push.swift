import PipeRemotes

public struct PushResult: Sendable, Equatable {
    public var files: [String]
    public var bytes: Int64
}

extension SyncEngine {
    /// The files a push would send. Refused before anything else when the
    /// role cannot write, and (unless mode `all`) while the remote has
    /// changes not pulled yet.
    public func pushPlan(_ request: SelectionRequest, cached: Bool = true) async throws -> TransferPlan {
        guard workspace.settings.canWrite else { throw SyncError.readOnly(pipe: workspace.name) }
        let state = try workspace.state.state(of: workspace.name)
        if request.mode != .all {
            let remote = try await scanRemote(cached: cached)
            let pending = try Selection.select(from: remote, recorded: state.remote, request: SelectionRequest())
            guard pending.isEmpty else { throw SyncError.notSynced(pending.map(\.filename)) }
        }
        let local = try await scanLocal()
        return TransferPlan(files: try Selection.select(from: local, recorded: state.local, request: request))
    }

    /// Sends what changed locally since the last sync.
    public func push(_ request: SelectionRequest, cached: Bool = true, progress: ProgressSink? = nil) async throws
        -> PushResult
    {
        let plan = try await pushPlan(request, cached: cached)
        let remote = try remoteCallSync { try workspace.openRemote(true) }
        let folder = workspace.folder
        let outcome = try await TransferRunner(concurrency: concurrency).run(plan.files, progress: progress) {
            file, progress in
            try await remote.upload(folder + "/" + file.filename, as: file.filename, scanned: file, progress: progress)
            return nil
        }
        let pushed = plan.files.filter { outcome.succeeded.keys.contains($0.filename) }
        if !pushed.isEmpty { try await remoteCall { try await remote.flush() } }
        // A fresh listing: the pushed files' remote entries (ETags) and the cache.
        let listing = try await remoteCall { try await remote.list() }
        try workspace.state.storeListing(listing, of: workspace.name)
        let remoteByName = Dictionary(listing.map { ($0.filename, $0) }, uniquingKeysWith: { first, _ in first })
        var state = try workspace.state.state(of: workspace.name)
        for file in pushed {
            state.local[file.filename] = file
            if let entry = remoteByName[file.filename] { state.remote[file.filename] = entry }
        }
        try workspace.state.record(state, pipe: workspace.name, action: "push", files: pushed.map(\.filename))
        if let first = outcome.failed.first {
            throw SyncError.transfersFailed(failed: outcome.failed.map(\.name).sorted(), firstError: first.error)
        }
        return PushResult(files: pushed.map(\.filename), bytes: pushed.reduce(0) { $0 + $1.size })
    }

    func remoteCallSync<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RemoteError {
            throw SyncError.remote(error)
        }
    }
}
