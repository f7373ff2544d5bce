import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

extension SyncEngine {
    /// Copies (or moves) files into the pipe folder, optionally below
    /// `subdir`; each lands under its own name. Returns the new names.
    public func importFiles(_ paths: [String], subdir: String? = nil, move: Bool = false) async throws -> [String] {
        let prefix = try importPrefix(subdir)
        let folder = workspace.folder
        var sources: [(source: String, name: String)] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw SyncError.filesNotFound([path])
            }
            sources.append((path, prefix + lastComponent(path)))
        }
        return try await place(sources, into: folder, move: move)
    }

    /// Copies (or moves) a folder's files, keeping their relative paths, into
    /// the pipe folder (optionally below `subdir`); existing folders merge.
    public func importDirectory(_ path: String, subdir: String? = nil, move: Bool = false) async throws -> [String] {
        let prefix = try importPrefix(subdir)
        let root = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let files = try await localCall { try await BlockingIO.run { _ in try DirectoryWalker.files(below: root) } }
        guard !files.isEmpty || isDirectory(root) else { throw SyncError.filesNotFound([path]) }
        return try await place(
            files.map { (root + "/" + $0.relativePath, prefix + $0.relativePath) }, into: workspace.folder, move: move)
    }

    private func importPrefix(_ subdir: String?) throws -> String {
        guard let subdir, !subdir.isEmpty else { return "" }
        if let problem = PipeSettings.problem(withFolder: subdir) {
            throw SyncError.invalidRequest("subdir: \(problem)")
        }
        return subdir.hasSuffix("/") ? subdir : subdir + "/"
    }

    private func place(_ sources: [(source: String, name: String)], into folder: String, move: Bool) async throws
        -> [String]
    {
        try await localCall {
            try await BlockingIO.run { cancellation in
                for (source, name) in sources {
                    let target = folder + "/" + name
                    try makeParentFolders(of: target)
                    if move, rename(source, target) == 0 { continue }
                    _ = try FileCopy.copy(source, to: target, cancellation: cancellation)
                    if move, unlink(source) != 0 { throw FileSystemError(path: source) }
                }
            }
        }
        return sources.map(\.name).sorted()
    }
}

private func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}
