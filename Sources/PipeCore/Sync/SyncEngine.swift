import Foundation
import PipeRemotes

/// Everything one pipe's operations work on.
public struct PipeWorkspace: Sendable {
    public var settings: PipeSettings
    /// The pipe's local folder (absolute): `<filerepo>/<options.dir or name>`.
    public var folder: String
    /// Opens the remote for reading or writing (credentials differ).
    public var openRemote: @Sendable (_ write: Bool) throws -> RemoteStore
    public var state: StateStore
    public var hashes: HashCache

    public init(
        settings: PipeSettings, folder: String, openRemote: @escaping @Sendable (_ write: Bool) throws -> RemoteStore,
        state: StateStore, hashes: HashCache
    ) {
        self.settings = settings
        self.folder = folder
        self.openRemote = openRemote
        self.state = state
        self.hashes = hashes
    }

    public var name: String { settings.name }
    /// The pipe's default filters (`options.include` / `options.exclude`).
    var defaultFilter: FileFilter { FileFilter(include: settings.include, exclude: settings.exclude) }
}

/// What a preview or a transfer covers.
public struct TransferPlan: Sendable, Equatable {
    public var files: [RemoteFile]
    public var bytes: Int64 { files.reduce(0) { $0 + $1.size } }
    public var names: [String] { files.map(\.filename) }
}

/// d6tpipe's sync semantics over one pipe (DESIGN.md §3), without its bugs.
public struct SyncEngine: Sendable {
    public let workspace: PipeWorkspace
    public var concurrency: Int
    /// Remote listings younger than this are served from the local repo.
    public var listingMaxAge: Double = 300

    public init(workspace: PipeWorkspace, concurrency: Int = 8) {
        self.workspace = workspace
        self.concurrency = max(1, concurrency)
    }

    // MARK: Scans

    /// The remote files (pipe default filters applied), sorted by name.
    /// Served from the cached listing unless `cached` is false or it is stale.
    public func scanRemote(cached: Bool = true) async throws -> [RemoteFile] {
        let state = workspace.state
        if cached, let listing = try state.cachedListing(of: workspace.name, maxAge: listingMaxAge) {
            return sorted(workspace.defaultFilter.apply(listing))
        }
        let listing = try await remoteCall { try await workspace.openRemote(false).list() }
        let presented = try presenting(listing)
        try state.storeListing(listing, of: workspace.name)
        return presented
    }

    /// A listing taken elsewhere (the repo server's) as `scanRemote` would
    /// answer it: names checked, the pipe's filters applied, sorted by name.
    public func presenting(_ listing: [RemoteFile]) throws -> [RemoteFile] {
        for file in listing {
            try RemoteName.validate(file.filename, protocolName: "listing", location: workspace.name)
        }
        return sorted(workspace.defaultFilter.apply(listing))
    }

    /// The local files of the pipe (without download leftovers), with md5 as
    /// crc, filtered by `filter` (the pipe defaults when nil).
    public func scanLocal(filter: FileFilter? = nil) async throws -> [RemoteFile] {
        let folder = workspace.folder
        let hashes = workspace.hashes
        let files = try await localCall {
            try await BlockingIO.run { cancellation in
                let walked = try DirectoryWalker.files(below: folder) { PartialFile.isPartial($0) }
                let md5s = try hashes.md5s(of: walked, below: folder, cancellation: cancellation)
                return zip(walked, md5s).map { file, md5 in
                    RemoteFile(
                        filename: file.relativePath, modifiedAt: file.modifiedSeconds, size: file.size, crc: md5,
                        md5: md5)
                }
            }
        }
        return sorted((filter ?? workspace.defaultFilter).apply(files))
    }

    /// Whether the remote has changes not pulled yet, and which.
    public func pendingPull(cached: Bool = true) async throws -> [String] {
        try await pullPlan(SelectionRequest(), cached: cached).names
    }

    // MARK: Helpers shared by the operations

    func sorted(_ files: [RemoteFile]) -> [RemoteFile] { files.sorted { $0.filename < $1.filename } }

    func localPath(_ name: String) -> String { workspace.folder + "/" + name }

    /// Runs a remote operation, passing RemoteErrors through as SyncErrors.
    func remoteCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RemoteError {
            throw SyncError.remote(error)
        }
    }

    func localCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as FileSystemError {
            throw SyncError.local(error)
        }
    }
}

/// Downloads land beside their target as `<name>.<16 hex>.partial` and are
/// renamed into place once checked; leftovers of a crash are removed by the
/// next pull. Only names of exactly that shape are touched.
enum PartialFile {
    static func name(for target: String) -> String {
        target + "." + Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) }) + ".partial"
    }

    static func isPartial(_ name: String) -> Bool {
        guard name.hasSuffix(".partial") else { return false }
        let stem = name.dropLast(".partial".count)
        guard let dot = stem.lastIndex(of: ".") else { return false }
        let random = stem[stem.index(after: dot)...]
        return random.count == 16 && random.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
