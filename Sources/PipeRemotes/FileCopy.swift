import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// Streams files in fixed-size chunks: memory stays bounded whatever the size,
/// cancellation is checked per chunk, and the md5 is computed on the way.
/// Blocking: call through `BlockingIO.run`.
public enum FileCopy {
    public static let chunkSize = 1 << 20
    /// Written data is handed to the kernel's writeback every this many
    /// bytes, so the batch flush at the end has little left to wait for.
    static let writebackStride: Int64 = 8 << 20

    /// Copies `source` to `destination` (created 0644 or truncated) and,
    /// when `durable`, fsyncs it. Returns the bytes copied and their md5.
    /// Transfers pass `durable: false`: the sync engine flushes a whole batch
    /// at once (`flush()`, `syncfs`) before it records the batch as synced.
    public static func copy(
        _ source: String, to destination: String, durable: Bool = true, cancellation: CancellationFlag,
        progress: TransferProgress? = nil
    ) throws -> DownloadReceipt {
        try withDescriptors(reading: source, writing: destination) { input, output in
            try hashingCopy(input, source, to: output, destination, durable: durable, cancellation, progress)
        }
    }

    private static func hashingCopy(
        _ input: CInt, _ source: String, to output: CInt, _ destination: String, durable: Bool,
        _ cancellation: CancellationFlag, _ progress: TransferProgress?
    ) throws -> DownloadReceipt {
        var hasher = MD5()
        var total: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            try cancellation.check()
            let count = try readChunk(input, into: &buffer, path: source)
            if count == 0 { break }
            try buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                hasher.update(chunk)
                try writeAll(output, chunk, path: destination)
            }
            total += Int64(count)
            if total % writebackStride < Int64(count) {
                _ = datapipe_start_writeback(output, total - writebackStride, writebackStride)
            }
            progress?(total)
        }
        if durable, fsync(output) != 0 { throw FileSystemError(path: destination) }
        return DownloadReceipt(bytes: total, md5: hasher.finalizeHex())
    }

    /// Copies `source` to `destination` (created 0644 or truncated) inside
    /// the kernel (`copy_file_range`: no read into memory, no md5), for
    /// callers that know the content's md5 already. Returns the bytes copied,
    /// or nil when the file systems cannot copy this way; then nothing was written.
    public static func copyInKernel(
        _ source: String, to destination: String, cancellation: CancellationFlag, progress: TransferProgress? = nil
    ) throws -> Int64? {
        try withDescriptors(reading: source, writing: destination) { input, output in
            try kernelCopy(input, to: output, destination, cancellation, progress)
        }
    }

    private static func kernelCopy(
        _ input: CInt, to output: CInt, _ destination: String, _ cancellation: CancellationFlag,
        _ progress: TransferProgress?
    ) throws -> Int64? {
        var total: Int64 = 0
        while true {
            try cancellation.check()
            let count = datapipe_copy_file_range(input, output, writebackStride)
            if count < 0 {
                if errno == EINTR { continue }
                if total == 0, [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) { return nil }
                throw FileSystemError(path: destination)
            }
            if count == 0 { return total }
            _ = datapipe_start_writeback(output, total, count)
            total += count
            progress?(total)
        }
    }

    /// Runs `body` with `source` open for reading and `destination` created
    /// 0644 (or truncated) for writing; both are closed afterwards.
    private static func withDescriptors<T>(
        reading source: String, writing destination: String, _ body: (CInt, CInt) throws -> T
    ) throws -> T {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileSystemError(path: source) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw FileSystemError(path: destination) }
        defer { close(output) }
        return try body(input, output)
    }

    /// Makes everything written to the file system holding `path` durable
    /// (one `syncfs` for a whole batch instead of an fsync per file).
    public static func flushFileSystem(holding path: String) throws(FileSystemError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(path: path) }
        defer { close(descriptor) }
        guard datapipe_syncfs(descriptor) == 0 else { throw FileSystemError(path: path) }
    }

    /// The md5 (hex) of a file's content.
    public static func md5(of path: String, cancellation: CancellationFlag) throws -> String {
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileSystemError(path: path) }
        defer { close(input) }
        var hasher = MD5()
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            try cancellation.check()
            let count = try readChunk(input, into: &buffer, path: path)
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return hasher.finalizeHex()
    }

    private static func readChunk(_ descriptor: CInt, into buffer: inout [UInt8], path: String) throws -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno != EINTR { throw FileSystemError(path: path) }
        }
    }

    /// Writes all of `bytes`, retrying short writes and interruptions.
    public static func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, path: String)
        throws(FileSystemError)
    {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path)
            }
            offset += written
        }
    }
}
