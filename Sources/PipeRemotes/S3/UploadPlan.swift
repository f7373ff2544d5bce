#if canImport(Glibc)
    import Glibc
#endif

/// What one read of a source file tells an upload: its md5 (for
/// `x-amz-meta-md5`) and, per part, the SHA-256 SigV4 signs and the
/// `Content-MD5` S3 checks. The file is read again while sending, so memory
/// stays bounded; a file that changes in between fails S3's md5 check.
struct UploadPlan: Sendable {
    struct Part: Sendable {
        /// 1-based, as S3 numbers parts.
        var number: Int
        var offset: Int64
        var length: Int64
        var sha256Hex: String
        var md5Base64: String
    }

    var size: Int64
    var md5Hex: String
    var parts: [Part]

    /// S3 accepts at most this many parts per upload.
    static let maximumParts: Int64 = 10_000

    /// The part size to use for `size` bytes: `preferred`, grown when the
    /// file would otherwise need more than 10,000 parts.
    static func partSize(for size: Int64, preferred: Int64) -> Int64 {
        max(preferred, (size + maximumParts - 1) / maximumParts, 1)
    }

    /// Reads `descriptor` (of `size` bytes) once. Blocking: call through `BlockingIO`.
    static func make(
        descriptor: Int32, path: String, size: Int64, partSize: Int64, cancellation: CancellationFlag
    ) throws -> UploadPlan {
        var whole = MD5()
        var parts: [Part] = []
        var buffer = [UInt8](repeating: 0, count: FileCopy.chunkSize)
        var offset: Int64 = 0
        repeat {
            let length = min(partSize, size - offset)
            var sha256 = EVPDigest.sha256()
            var md5 = EVPDigest.md5()
            var done: Int64 = 0
            while done < length {
                try cancellation.check()
                let wanted = Int(min(Int64(buffer.count), length - done))
                let count = buffer.withUnsafeMutableBytes {
                    pread(descriptor, $0.baseAddress, wanted, off_t(offset + done))
                }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    throw count == 0 ? FileSystemError(path: path, code: EIO) : FileSystemError(path: path)
                }
                buffer.withUnsafeBytes { raw in
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                    whole.update(chunk)
                    sha256.update(chunk)
                    md5.update(chunk)
                }
                done += Int64(count)
            }
            parts.append(
                Part(
                    number: parts.count + 1, offset: offset, length: length,
                    sha256Hex: Hex.encode(sha256.finalize()), md5Base64: S3Crypto.base64(md5.finalize())))
            offset += length
        } while offset < size
        return UploadPlan(size: size, md5Hex: whole.finalizeHex(), parts: parts)
    }
}
