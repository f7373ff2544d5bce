#if canImport(Glibc)
    import Glibc
#endif

/// A failed file-system call: the path and the `errno` it gave.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var code: Int32

    public init(path: String, code: Int32 = errno) {
        self.path = path
        self.code = code
    }

    public var reason: String { String(cString: strerror(code)) }
    public var description: String { "\(path): \(reason)" }

    public var isNotFound: Bool { code == ENOENT }
    public var isPermissionDenied: Bool { code == EACCES || code == EPERM }
    /// The disk (or quota) is full.
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }
}

/// Creates the folders leading to `path` (like `mkdir -p` of its parent).
public func makeParentFolders(of path: String) throws(FileSystemError) {
    guard let slash = path.lastIndex(of: "/") else { return }
    let parent = String(path[..<slash])
    guard !parent.isEmpty else { return }
    var info = stat()
    if stat(parent, &info) == 0 { return }
    try makeParentFolders(of: parent)
    if mkdir(parent, 0o755) != 0, errno != EEXIST { throw FileSystemError(path: parent) }
}
