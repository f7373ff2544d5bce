#if canImport(Glibc)
    import Glibc
#endif

/// One regular file found below a root folder.
public struct WalkedFile: Sendable, Equatable {
    /// Path below the root, `/`-separated.
    public var relativePath: String
    public var size: Int64
    /// Modification time in nanoseconds since 1970.
    public var modifiedNanoseconds: Int64
    public var inode: UInt64
    public var device: UInt64

    public var modifiedSeconds: Double { Double(modifiedNanoseconds) / 1e9 }
}

/// Lists the regular files below a folder with `readdir` and `fstatat`: one
/// pass, no per-file allocation beyond the path. Symbolic links are not
/// followed (a link could lead outside the pipe); unreadable folders are errors.
public enum DirectoryWalker {
    /// Every regular file below `root`; `skip` filters names (not paths) out,
    /// e.g. temporary files. A missing root yields nothing.
    public static func files(below root: String, skip: (String) -> Bool = { _ in false }) throws(FileSystemError)
        -> [WalkedFile]
    {
        var found: [WalkedFile] = []
        var info = stat()
        guard lstat(root, &info) == 0 else {
            if errno == ENOENT { return [] }
            throw FileSystemError(path: root)
        }
        try walk(root: root, relative: "", into: &found, skip: skip)
        return found
    }

    private static func walk(root: String, relative: String, into found: inout [WalkedFile], skip: (String) -> Bool)
        throws(FileSystemError)
    {
        let folder = relative.isEmpty ? root : root + "/" + relative
        guard let directory = opendir(folder) else {
            throw FileSystemError(path: folder)
        }
        defer { closedir(directory) }
        var subfolders: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || skip(name) { continue }
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            // Relative to the open folder: no walk of the whole path per file.
            guard fstatat(dirfd(directory), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }  // vanished meanwhile
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                subfolders.append(childRelative)
            case S_IFREG:
                found.append(
                    WalkedFile(
                        relativePath: childRelative, size: Int64(info.st_size),
                        modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                        inode: UInt64(info.st_ino), device: UInt64(info.st_dev)))
            default:
                continue  // links, sockets, devices: not data files
            }
        }
        for subfolder in subfolders {
            try walk(root: root, relative: subfolder, into: &found, skip: skip)
        }
    }
}
