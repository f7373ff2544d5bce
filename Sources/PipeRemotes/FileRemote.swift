import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Supplies the md5s of local files, in the order given; PipeCore's cache
/// answers without reading files whose (path, size, mtime, inode) did not change.
public protocol ContentFingerprints: Sendable {
    /// Blocking; called from `BlockingIO`. `files` were walked below `root`;
    /// `known` holds md5s the caller computed itself (relative path → md5),
    /// valid for exactly the walked (size, mtime, inode), so they need no read.
    func md5s(of files: [WalkedFile], below root: String, known: [String: String], cancellation: CancellationFlag)
        throws -> [String]
}

/// Reads every file: for callers without a cache.
public struct UncachedFingerprints: ContentFingerprints {
    public init() {}

    public func md5s(
        of files: [WalkedFile], below root: String, known: [String: String], cancellation: CancellationFlag
    ) throws -> [String] {
        try files.map {
            try known[$0.relativePath] ?? FileCopy.md5(of: root + "/" + $0.relativePath, cancellation: cancellation)
        }
    }
}

/// What identifies a file's content version without reading it.
struct FileAttributes: Equatable {
    var size: Int64
    var modifiedNanoseconds: Int64
    var inode: UInt64

    init(of path: String) throws(FileSystemError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileSystemError(path: path) }
        size = Int64(info.st_size)
        modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        inode = UInt64(info.st_ino)
    }

    init(_ file: WalkedFile) {
        size = file.size
        modifiedNanoseconds = file.modifiedNanoseconds
        inode = file.inode
    }

    /// As the directory walker reports it (`WalkedFile.modifiedSeconds`).
    var modifiedSeconds: Double { Double(modifiedNanoseconds) / 1e9 }
}

/// The md5s of a `FileRemote`'s own uploads, computed while copying, with the
/// attributes the file had once renamed into place: the listing after a push
/// does not read the pushed files again.
final class UploadDigests: Sendable {
    private let entries = Mutex<[String: (attributes: FileAttributes, md5: String)]>([:])

    func record(_ name: String, at path: String, md5: String) {
        guard let attributes = try? FileAttributes(of: path) else { return }
        entries.withLock { $0[name] = (attributes, md5) }
    }

    /// The recorded md5s of those walked files that are unchanged since their upload.
    func known(for files: [WalkedFile]) -> [String: String] {
        entries.withLock { entries in
            guard !entries.isEmpty else { return [:] }
            var known: [String: String] = [:]
            for file in files {
                if let entry = entries[file.relativePath], entry.attributes == FileAttributes(file) {
                    known[file.relativePath] = entry.md5
                }
            }
            return known
        }
    }
}

/// A plain directory as the remote: the embedded default, and the way to
/// share through a mounted network drive. crc is the content md5.
public struct FileRemote: RemoteStore {
    public let root: String
    let fingerprints: ContentFingerprints
    let uploads = UploadDigests()

    public var protocolName: String { "file" }

    /// Uploads are written under this suffix, then renamed; listings skip it.
    static let uploadSuffix = ".datapipe-upload"

    public init(root: String, fingerprints: ContentFingerprints = UncachedFingerprints()) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.fingerprints = fingerprints
    }

    public func list() async throws -> [RemoteFile] {
        let root = root
        let fingerprints = fingerprints
        let uploads = uploads
        return try await perform(file: nil) { cancellation in
            let walked = try DirectoryWalker.files(below: root) { $0.hasSuffix(Self.uploadSuffix) }
            let md5s = try fingerprints.md5s(
                of: walked, below: root, known: uploads.known(for: walked), cancellation: cancellation)
            return zip(walked, md5s).map { file, md5 in
                RemoteFile(
                    filename: file.relativePath, modifiedAt: file.modifiedSeconds, size: file.size, crc: md5, md5: md5)
            }
        }
    }

    public func download(_ name: String, to destination: String, progress: TransferProgress?) async throws
        -> DownloadReceipt
    {
        try RemoteName.validate(name, protocolName: protocolName, location: root)
        let source = root + "/" + name
        return try await perform(file: name) { cancellation in
            try FileCopy.copy(source, to: destination, durable: false, cancellation: cancellation, progress: progress)
        }
    }

    public func upload(_ source: String, as name: String, progress: TransferProgress?) async throws {
        try RemoteName.validate(name, protocolName: protocolName, location: root)
        let target = root + "/" + name
        let uploads = uploads
        try await perform(file: name) { cancellation in
            try makeParentFolders(of: target)
            let temporary = Self.temporaryName(for: target)
            do {
                let receipt = try FileCopy.copy(
                    source, to: temporary, durable: false, cancellation: cancellation, progress: progress)
                guard rename(temporary, target) == 0 else { throw FileSystemError(path: target) }
                uploads.record(name, at: target, md5: receipt.md5)
            } catch {
                unlink(temporary)
                throw error
            }
        }
    }

    /// With the scan's md5 the content is copied inside the kernel and not
    /// hashed again; a source that changed since the scan is refused.
    public func upload(_ source: String, as name: String, scanned: RemoteFile, progress: TransferProgress?)
        async throws
    {
        guard let md5 = scanned.md5 else { return try await upload(source, as: name, progress: progress) }
        try RemoteName.validate(name, protocolName: protocolName, location: root)
        let target = root + "/" + name
        let uploads = uploads
        let changed = RemoteError(
            .other, protocolName: protocolName, location: root,
            reason: "the local file changed while it was being uploaded; push again", file: name)
        try await perform(file: name) { cancellation in
            let before = try FileAttributes(of: source)
            guard before.size == scanned.size, before.modifiedSeconds == scanned.modifiedAt else { throw changed }
            try makeParentFolders(of: target)
            let temporary = Self.temporaryName(for: target)
            do {
                let copied = try FileCopy.copyInKernel(
                    source, to: temporary, cancellation: cancellation, progress: progress)
                guard let copied else {
                    unlink(temporary)
                    let receipt = try FileCopy.copy(
                        source, to: temporary, durable: false, cancellation: cancellation, progress: progress)
                    guard receipt.md5 == md5 else { throw changed }
                    return try placeUpload(temporary, at: target, name: name, md5: md5, uploads: uploads)
                }
                guard copied == before.size, try FileAttributes(of: source) == before else { throw changed }
                try placeUpload(temporary, at: target, name: name, md5: md5, uploads: uploads)
            } catch {
                unlink(temporary)
                throw error
            }
        }
    }

    private func placeUpload(_ temporary: String, at target: String, name: String, md5: String, uploads: UploadDigests)
        throws
    {
        guard rename(temporary, target) == 0 else { throw FileSystemError(path: target) }
        uploads.record(name, at: target, md5: md5)
    }

    /// Uploads are renamed into place without an fsync each; one `syncfs`
    /// per batch makes them durable.
    public func flush() async throws {
        let root = root
        try await perform(file: nil) { _ in
            var info = stat()
            guard stat(root, &info) == 0 else { return }  // nothing was uploaded
            try FileCopy.flushFileSystem(holding: root)
        }
    }

    public func delete(_ name: String) async throws {
        try RemoteName.validate(name, protocolName: protocolName, location: root)
        let target = root + "/" + name
        try await perform(file: name) { _ in
            if unlink(target) != 0, errno != ENOENT { throw FileSystemError(path: target) }
        }
    }

    public func exists(_ name: String) async throws -> Bool {
        try RemoteName.validate(name, protocolName: protocolName, location: root)
        let target = root + "/" + name
        return try await perform(file: name) { _ in
            var info = stat()
            return lstat(target, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
    }

    /// Runs blocking work and turns file-system failures into `RemoteError`s.
    private func perform<T: Sendable>(
        file: String?, _ body: @escaping @Sendable (CancellationFlag) throws -> T
    ) async throws -> T {
        do {
            return try await BlockingIO.run(body)
        } catch let failure as FileSystemError {
            let kind: RemoteError.Kind =
                failure.isNotFound ? .notFound : failure.isPermissionDenied ? .permissionDenied : .other
            throw RemoteError(kind, protocolName: protocolName, location: root, reason: failure.description, file: file)
        }
    }

    static func temporaryName(for target: String) -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        guard let slash = target.lastIndex(of: "/") else { return ".\(target).\(suffix)\(uploadSuffix)" }
        let folder = target[...slash]
        let base = target[target.index(after: slash)...]
        return "\(folder).\(base).\(suffix)\(uploadSuffix)"
    }
}
