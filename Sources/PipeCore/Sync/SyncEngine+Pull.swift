import Foundation
import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

/// How a pull treats local files changed since the last sync.
public enum MergeMode: String, Sendable, Codable, CaseIterable {
    /// Keep the local version; the remote change counts as seen, and the next
    /// push sends the local version.
    case keep
    /// Replace the local file with the remote one.
    case overwrite
}

public struct PullResult: Sendable, Equatable {
    public var files: [String]
    public var bytes: Int64
    /// Locally modified files kept under merge mode `keep`.
    public var kept: [String]
    /// Text of README.md / LICENSE.md when this pull brought them.
    public var readme: String?
    public var license: String?
}

extension SyncEngine {
    /// The files a pull would bring, without moving anything.
    public func pullPlan(_ request: SelectionRequest, cached: Bool = true) async throws -> TransferPlan {
        let current = try await scanRemote(cached: cached)
        let state = try workspace.state.state(of: workspace.name, withLocal: false)
        return TransferPlan(files: try Selection.select(from: current, recorded: state.remote, request: request))
    }

    /// Brings what changed remotely. Local files changed since the last sync
    /// are never overwritten unless `mergeMode` says so; each download lands
    /// in a `.partial` file that is renamed into place only after its size
    /// (and md5 where the remote gives one) checked out.
    public func pull(
        _ request: SelectionRequest, mergeMode: MergeMode? = nil, cached: Bool = true, progress: ProgressSink? = nil
    ) async throws -> PullResult {
        try await removeLeftoverPartials()
        let current = try await scanRemote(cached: cached)
        var state = try workspace.state.state(of: workspace.name)
        let selected = try Selection.select(from: current, recorded: state.remote, request: request)
        let conflicts = try await conflicting(selected, state: state)
        var toPull = selected
        switch mergeMode {
        case nil:
            guard conflicts.isEmpty else { throw SyncError.conflict(conflicts.map(\.filename)) }
        case .keep:
            let kept = Set(conflicts.map(\.filename))
            toPull = selected.filter { !kept.contains($0.filename) }
        case .overwrite:
            break
        }
        let remote = try workspace.openRemote(false)
        let outcome = try await TransferRunner(concurrency: concurrency).run(toPull, progress: progress) {
            file, progress in
            try await download(file, from: remote, progress: progress)
        }
        let pulled = toPull.filter { outcome.succeeded[$0.filename] != nil }
        if !pulled.isEmpty { try await flushLocalFolder() }
        var localEntries: [RemoteFile] = []
        for file in pulled {
            let entry = try localEntry(for: file.filename, md5: outcome.succeeded[file.filename]??.md5 ?? file.crc)
            localEntries.append(entry)
            state.remote[file.filename] = file
            state.local[file.filename] = entry
        }
        if mergeMode == .keep {
            for file in conflicts { state.remote[file.filename] = file }
        }
        try workspace.hashes.remember(localEntries, below: workspace.folder)
        try workspace.state.record(state, pipe: workspace.name, action: "pull", files: pulled.map(\.filename))
        if let first = outcome.failed.first {
            throw SyncError.transfersFailed(failed: outcome.failed.map(\.name).sorted(), firstError: first.error)
        }
        let names = Set(pulled.map(\.filename))
        return PullResult(
            files: pulled.map(\.filename), bytes: pulled.reduce(0) { $0 + $1.size },
            kept: mergeMode == .keep ? conflicts.map(\.filename) : [],
            readme: names.contains("README.md") ? readText("README.md") : nil,
            license: names.contains("LICENSE.md") ? readText("LICENSE.md") : nil)
    }

    /// Selected files whose local copy would be lost: changed since the last
    /// sync, or never synced and different from the remote.
    private func conflicting(_ selected: [RemoteFile], state: SyncState) async throws -> [RemoteFile] {
        guard !selected.isEmpty else { return [] }
        let local = Dictionary(
            try await scanLocal(filter: .everything).map { ($0.filename, $0) }, uniquingKeysWith: { first, _ in first })
        var conflicts: [RemoteFile] = []
        for file in selected {
            guard let here = local[file.filename] else { continue }
            if let md5 = file.md5, here.md5 == md5 { continue }
            if let recorded = state.local[file.filename] {
                if recorded.crc != here.crc { conflicts.append(file) }
            } else if file.md5 != nil || here.size != file.size {
                conflicts.append(file)
            } else if try await remoteMD5(of: file) != here.md5 {
                conflicts.append(file)
            }
        }
        return conflicts
    }

    /// The content md5 of a remote file whose listing has none (ftp, sftp:
    /// crc is mtime-size), by downloading it beside its target and dropping it.
    private func remoteMD5(of file: RemoteFile) async throws -> String {
        let partial = PartialFile.name(for: localPath(file.filename))
        defer { unlink(partial) }
        let remote = try workspace.openRemote(false)
        return try await remote.download(file.filename, to: partial, progress: nil).md5
    }

    private func download(_ file: RemoteFile, from remote: RemoteStore, progress: TransferProgress?) async throws
        -> DownloadReceipt
    {
        let target = localPath(file.filename)
        do {
            try makeParentFolders(of: target)
        } catch {
            throw RemoteError(
                .other, protocolName: "local", location: workspace.folder, reason: error.description,
                file: file.filename)
        }
        let partial = PartialFile.name(for: target)
        do {
            let receipt = try await remote.download(file.filename, to: partial, progress: progress)
            guard receipt.bytes == file.size else {
                throw RemoteError(
                    .transient, protocolName: remote.protocolName, location: workspace.name,
                    reason: "download incomplete: \(receipt.bytes) of \(file.size) bytes", file: file.filename)
            }
            if let md5 = file.md5, md5 != receipt.md5 {
                throw RemoteError(
                    .transient, protocolName: remote.protocolName, location: workspace.name,
                    reason: "content does not match the listing (md5 \(receipt.md5), expected \(md5))",
                    file: file.filename)
            }
            guard rename(partial, target) == 0 else {
                throw RemoteError(
                    .other, protocolName: "local", location: workspace.folder,
                    reason: FileSystemError(path: target).description, file: file.filename)
            }
            return receipt
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// Downloads are renamed into place without an fsync each; the batch is
    /// made durable at once before it is recorded as synced.
    private func flushLocalFolder() async throws {
        let folder = workspace.folder
        try await localCall { try await BlockingIO.run { _ in try FileCopy.flushFileSystem(holding: folder) } }
    }

    /// The local listing entry of a file just written.
    func localEntry(for name: String, md5: String) throws -> RemoteFile {
        var info = stat()
        guard stat(localPath(name), &info) == 0 else { throw SyncError.local(FileSystemError(path: localPath(name))) }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        return RemoteFile(filename: name, modifiedAt: modified, size: Int64(info.st_size), crc: md5, md5: md5)
    }

    /// Removes `.partial` files a crashed pull left behind.
    func removeLeftoverPartials() async throws {
        let folder = workspace.folder
        try await localCall {
            try await BlockingIO.run { _ in
                let files = try DirectoryWalker.files(below: folder)
                for file in files where PartialFile.isPartial(lastComponent(file.relativePath)) {
                    unlink(folder + "/" + file.relativePath)
                }
            }
        }
    }

    private func readText(_ name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: localPath(name)), data.count <= 1 << 20 else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }
}

func lastComponent(_ path: String) -> String {
    path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
}
