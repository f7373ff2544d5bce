/// One file as a remote store lists it. `filename` is the path below the
/// pipe's remote root, `/`-separated, never starting with `/`.
public struct RemoteFile: Sendable, Equatable, Hashable, Codable {
    public var filename: String
    /// Last modification, seconds since 1970 (UTC), fractional where the store knows.
    public var modifiedAt: Double
    public var size: Int64
    /// What changes when the content changes: md5 for `file`, the ETag for S3,
    /// `mtime-size` for (s)ftp. Compared for equality only.
    public var crc: String
    /// The content's md5 (hex) when the store knows it, to verify downloads.
    public var md5: String?

    public init(filename: String, modifiedAt: Double, size: Int64, crc: String, md5: String? = nil) {
        self.filename = filename
        self.modifiedAt = modifiedAt
        self.size = size
        self.crc = crc
        self.md5 = md5
    }

    enum CodingKeys: String, CodingKey {
        case filename
        case modifiedAt = "modified_at"
        case size, crc, md5
    }
}

/// What a completed download wrote.
public struct DownloadReceipt: Sendable, Equatable {
    public var bytes: Int64
    /// md5 (hex) of the bytes written, computed while streaming.
    public var md5: String

    public init(bytes: Int64, md5: String) {
        self.bytes = bytes
        self.md5 = md5
    }
}

/// Reports bytes moved so far by one transfer (cumulative).
public typealias TransferProgress = @Sendable (_ bytesDone: Int64) -> Void

/// A remote file store: a folder of a directory tree, an S3 prefix, an
/// (S)FTP folder. Names are relative to the store's root. Implementations
/// stream with bounded memory, check `Task.checkCancellation()` per chunk,
/// and throw `RemoteError` for everything that goes wrong.
public protocol RemoteStore: Sendable {
    /// `file`, `s3`, `sftp`, `ftp`: named in errors.
    var protocolName: String { get }

    /// Every file below the root, recursively, with attributes (any order).
    /// A root that does not exist yet lists as empty.
    func list() async throws -> [RemoteFile]

    /// Writes the content of `name` to the local file `destination`
    /// (created or truncated), without an fsync: the caller renames it into
    /// place after checking and flushes the whole batch at once.
    func download(_ name: String, to destination: String, progress: TransferProgress?) async throws -> DownloadReceipt

    /// Stores the local file `source` as `name`, creating folders as needed;
    /// readers never see a partly written file.
    func upload(_ source: String, as name: String, progress: TransferProgress?) async throws

    /// `upload(_:as:progress:)` told what the caller's scan saw of `source`
    /// (size, modification time, md5): a store that can use the md5 need not
    /// read the file for it. The upload fails if `source` changed since.
    func upload(_ source: String, as name: String, scanned: RemoteFile, progress: TransferProgress?) async throws

    /// Removes `name`; removing a missing file is not an error.
    func delete(_ name: String) async throws

    func exists(_ name: String) async throws -> Bool

    /// Makes the uploads so far durable where the store buffers them (a
    /// local directory); called once per push batch, before it is recorded.
    func flush() async throws
}

extension RemoteStore {
    /// Stores that compute what they need while sending ignore the scan.
    public func upload(_ source: String, as name: String, scanned: RemoteFile, progress: TransferProgress?)
        async throws
    {
        try await upload(source, as: name, progress: progress)
    }

    /// Stores that acknowledge an upload only once it is stored have nothing to flush.
    public func flush() async throws {}
}
