import CSSH2
import Foundation

/// A folder on an SSH server, over SFTP (libssh2). Transfers run one per
/// SSH session, up to `maxSessions` at once; crc is `mtime-size` as in
/// d6tpipe; uploads go to a temporary name in the target folder and are
/// renamed into place.
public struct SFTPRemote: RemoteStore {
    public let configuration: SFTPConfiguration
    let pool: SFTPSessionPool

    public var protocolName: String { "sftp" }

    /// Uploads are written under this suffix, then renamed; listings skip it.
    static let uploadSuffix = ".datapipe-upload"

    public init(_ configuration: SFTPConfiguration) {
        self.configuration = configuration
        pool = SFTPSessionPool(configuration)
    }

    public func list() async throws -> [RemoteFile] {
        try await pool.withConnection { connection, cancellation in
            try connection.listFiles(cancellation: cancellation)
        }
    }

    public func delete(_ name: String) async throws {
        try RemoteName.validate(name, protocolName: protocolName, location: configuration.location)
        try await pool.withConnection { connection, _ in
            let path = connection.configuration.path(name)
            let code = cssh2_unlink(connection.sftp, path)
            guard code < 0 else { return }
            let failure = connection.failure(Int(code), doing: "deleting \(path)", file: name)
            if failure.kind != .notFound { throw failure }
        }
    }

    public func exists(_ name: String) async throws -> Bool {
        try RemoteName.validate(name, protocolName: protocolName, location: configuration.location)
        return try await pool.withConnection { connection, _ in
            try connection.attributes(of: name)
                .map { cssh2_is_regular($0.permissions) != 0 } ?? false
        }
    }
}

extension SFTPConnection {
    /// Every regular file below the root (symbolic links to files included),
    /// one directory read per folder; a missing root lists as empty.
    func listFiles(cancellation: CancellationFlag) throws -> [RemoteFile] {
        var files: [RemoteFile] = []
        var folders = [""]
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)
        defer { buffer.deallocate() }
        while let folder = folders.popLast() {
            try cancellation.check()
            let path = configuration.path(folder)
            guard let handle = cssh2_opendir(sftp, path) else {
                let failure = failure(Int(libssh2_session_last_errno(session)), doing: "listing \(path)", file: nil)
                if folder.isEmpty, failure.kind == .notFound { return [] }
                throw failure
            }
            defer { _ = cssh2_close(handle) }
            var attributes = LIBSSH2_SFTP_ATTRIBUTES()
            while true {
                let count = cssh2_readdir(handle, buffer, 4096, &attributes)
                if count == 0 { break }
                guard count > 0 else { throw failure(Int(count), doing: "listing \(path)", file: nil) }
                let entry = String(decoding: UnsafeRawBufferPointer(start: buffer, count: Int(count)), as: UTF8.self)
                let name = folder.isEmpty ? entry : folder + "/" + entry
                if entry.hasSuffix(SFTPRemote.uploadSuffix) {
                    sweepIfStale(name, attributes)
                    continue
                }
                if entry == "." || entry == ".." { continue }
                var info = attributes
                if cssh2_is_link(info.permissions) != 0 {
                    // Links are followed to files only, so a link to a parent folder cannot loop.
                    guard let target = try self.attributes(of: name), cssh2_is_regular(target.permissions) != 0 else {
                        continue
                    }
                    info = target
                }
                if cssh2_is_folder(info.permissions) != 0 {
                    folders.append(name)
                } else if cssh2_is_regular(info.permissions) != 0 {
                    files.append(Self.remoteFile(name, info))
                }
            }
        }
        return files
    }

    /// An upload's temporary file untouched for this long was left by a
    /// process that died mid-upload (a live upload writes it every moment).
    static let staleUploadAge: Int64 = 3600

    /// Removes `name`, an upload's temporary file, when it is stale; best
    /// effort (a read-only login cannot, and that is fine: listings skip it).
    private func sweepIfStale(_ name: String, _ attributes: LIBSSH2_SFTP_ATTRIBUTES) {
        let now = Int64(Date().timeIntervalSince1970)
        guard now - Int64(attributes.mtime) > Self.staleUploadAge else { return }
        _ = cssh2_unlink(sftp, configuration.path(name))
    }

    static func remoteFile(_ name: String, _ attributes: LIBSSH2_SFTP_ATTRIBUTES) -> RemoteFile {
        let size = Int64(attributes.filesize)
        let modified = Int64(attributes.mtime)
        return RemoteFile(filename: name, modifiedAt: Double(modified), size: size, crc: "\(modified)-\(size)")
    }

    /// The attributes of `name` (links followed), nil when it does not exist.
    func attributes(of name: String) throws(RemoteError) -> LIBSSH2_SFTP_ATTRIBUTES? {
        let path = configuration.path(name)
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        let code = cssh2_stat(sftp, path, &attributes)
        guard code < 0 else { return attributes }
        let failure = failure(Int(code), doing: "reading the attributes of \(path)", file: name)
        if failure.kind == .notFound { return nil }
        throw failure
    }
}
