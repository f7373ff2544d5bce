import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

/// Which side an operation touches.
public enum Side: String, Sendable, Codable, CaseIterable {
    case local, remote, both

    var touchesLocal: Bool { self != .remote }
    var touchesRemote: Bool { self != .local }
}

/// Names removed (or, in a dry run, that would be) on each side.
public struct RemovalResult: Sendable, Equatable {
    public var local: [String]
    public var remote: [String]

    public init(local: [String], remote: [String]) {
        self.local = local
        self.remote = remote
    }
}

extension SyncEngine {
    /// Files present on one side only. A dry run (the default) only lists
    /// them; otherwise they are deleted. Write access is checked before
    /// anything is deleted on either side.
    public func removeOrphans(direction: Side, dryrun: Bool = true, files: [String]? = nil) async throws
        -> RemovalResult
    {
        let remoteFiles = try await scanRemote(cached: false)
        let localFiles = try await scanLocal()
        let remoteNames = Set(remoteFiles.map(\.filename))
        let localNames = Set(localFiles.map(\.filename))
        let only = files.map(Set.init)
        var result = RemovalResult(local: [], remote: [])
        if direction.touchesLocal {
            result.local = localFiles.map(\.filename).filter {
                !remoteNames.contains($0) && (only?.contains($0) ?? true)
            }
        }
        if direction.touchesRemote {
            result.remote = remoteFiles.map(\.filename).filter {
                !localNames.contains($0) && (only?.contains($0) ?? true)
            }
        }
        guard !dryrun else { return result }
        try await remove(local: result.local, remote: result.remote, action: "remove_orphans")
        return result
    }

    /// Deletes files on one or both sides; needs `confirm`. Local: the named
    /// files, else the files of the last sync, or with `allLocal` everything
    /// in the pipe folder. Remote: the named files, else every remote file.
    public func deleteFiles(scope: Side, files: [String]? = nil, allLocal: Bool = false, confirm: Bool) async throws
        -> RemovalResult
    {
        var result = RemovalResult(local: [], remote: [])
        if scope.touchesLocal {
            if allLocal {
                result.local = try await scanLocal(filter: .everything).map(\.filename)
            } else if let files {
                result.local = files
            } else {
                result.local = try workspace.state.state(of: workspace.name).local.keys.sorted()
            }
        }
        if scope.touchesRemote {
            if let files {
                result.remote = files
            } else {
                result.remote = try await scanRemote(cached: false).map(\.filename)
            }
        }
        guard confirm else {
            throw SyncError.confirmationRequired(
                "deleting \(result.local.count) local and \(result.remote.count) remote file(s) of pipe \(workspace.name)"
            )
        }
        try await remove(local: result.local, remote: result.remote, action: "delete_files")
        return result
    }

    /// Deletes the given names and forgets them in the sync state.
    private func remove(local: [String], remote: [String], action: String) async throws {
        for name in local + remote { try RemoteName.validate(name, protocolName: "request", location: workspace.name) }
        if !remote.isEmpty, !workspace.settings.canWrite { throw SyncError.readOnly(pipe: workspace.name) }
        let store = remote.isEmpty ? nil : try remoteCallSync { try workspace.openRemote(true) }
        for name in local where unlink(localPath(name)) != 0 && errno != ENOENT {
            throw SyncError.local(FileSystemError(path: localPath(name)))
        }
        if let store {
            for name in remote { try await remoteCall { try await store.delete(name) } }
        }
        var state = try workspace.state.state(of: workspace.name)
        // A deleted local copy counts as not pulled, so a pull brings it back;
        // a deleted remote file stays recorded locally, so a push does not resend it.
        for name in local {
            state.local[name] = nil
            state.remote[name] = nil
        }
        for name in remote { state.remote[name] = nil }
        try workspace.state.dropListing(of: workspace.name)
        try workspace.state.record(state, pipe: workspace.name, action: action, files: (local + remote).sorted())
    }

    /// Forgets the sync state and pulls every remote file again, replacing
    /// local copies (with `deleteLocal`, the pipe folder is emptied first).
    /// Destructive, so it needs `confirm`.
    public func reset(deleteLocal: Bool = false, confirm: Bool, progress: ProgressSink? = nil) async throws
        -> PullResult
    {
        guard confirm else {
            throw SyncError.confirmationRequired(
                "reset of pipe \(workspace.name) replaces local files with the remote's")
        }
        if deleteLocal {
            _ = try await deleteFiles(scope: .local, allLocal: true, confirm: true)
        }
        try workspace.state.forget(workspace.name)
        return try await pull(SelectionRequest(mode: .all), mergeMode: .overwrite, cached: false, progress: progress)
    }
}
