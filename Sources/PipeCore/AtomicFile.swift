import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file writes that a crash can never leave half done: the bytes go to
/// a temporary file in the same folder, are fsynced, and renamed over the target.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(FileSystemError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileSystemError(path: temporary) }
        do throws(FileSystemError) {
            defer { close(descriptor) }
            try bytes.withUnsafeBytes { raw in
                Result { () throws(FileSystemError) in try FileCopy.writeAll(descriptor, raw, path: path) }
            }.get()
            guard fsync(descriptor) == 0 else { throw FileSystemError(path: path) }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let failure = FileSystemError(path: path)
            unlink(temporary)
            throw failure
        }
    }
}
