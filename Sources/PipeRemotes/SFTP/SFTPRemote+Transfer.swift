import CSSH2

#if canImport(Glibc)
    import Glibc
#endif

extension SFTPRemote {
    public func download(_ name: String, to destination: String, progress: TransferProgress?) async throws
        -> DownloadReceipt
    {
        try RemoteName.validate(name, protocolName: protocolName, location: configuration.location)
        return try await pool.withConnection { connection, cancellation in
            try connection.download(name, to: destination, cancellation: cancellation, progress: progress)
        }
    }

    public func upload(_ source: String, as name: String, progress: TransferProgress?) async throws {
        try RemoteName.validate(name, protocolName: protocolName, location: configuration.location)
        let temporary = Self.temporaryName(for: name)
        do {
            try await pool.withConnection { connection, cancellation in
                try connection.upload(
                    source, as: name, via: temporary, cancellation: cancellation, progress: progress)
            }
        } catch {
            // The session died midway: the temporary file may be left on the server; remove it if it answers.
            if let failure = error as? RemoteError, failure.isConnectionLost {
                try? await pool.withConnection { connection, _ in
                    _ = cssh2_unlink(connection.sftp, connection.configuration.path(temporary))
                }
            }
            throw error
        }
    }

    /// `folder/.name.<random>.datapipe-upload` beside the target.
    static func temporaryName(for name: String) -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        guard let slash = name.lastIndex(of: "/") else { return ".\(name).\(suffix)\(uploadSuffix)" }
        return "\(name[...slash]).\(name[name.index(after: slash)...]).\(suffix)\(uploadSuffix)"
    }
}

extension SFTPConnection {
    /// Streams `name` into `destination` (created or truncated), hashing as it
    /// goes; on failure the destination is removed.
    func download(_ name: String, to destination: String, cancellation: CancellationFlag, progress: TransferProgress?)
        throws -> DownloadReceipt
    {
        let path = configuration.path(name)
        guard let handle = cssh2_open(sftp, path, UInt(LIBSSH2_FXF_READ), 0) else {
            throw failure(Int(libssh2_session_last_errno(session)), doing: "opening \(path)", file: name)
        }
        defer { _ = cssh2_close(handle) }
        let output = Glibc.open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw localFailure("cannot write \(destination)", file: name) }
        var completed = false
        defer {
            Glibc.close(output)
            if !completed { unlink(destination) }
        }
        let size = configuration.chunkSize
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = MD5()
        var total: Int64 = 0
        // libssh2 sends read-ahead requests for the whole buffer it is given
        // (one per ~30 kB): a small file read into 4 MiB cost ~140 requests
        // and their replies. Start small and double up to the chunk size.
        var request = min(size, 64 << 10)
        do {
            while true {
                try cancellation.check()
                let count = libssh2_sftp_read(handle, buffer.assumingMemoryBound(to: CChar.self), request)
                request = min(request * 2, size)
                if count == 0 { break }
                guard count > 0 else { throw failure(count, doing: "reading \(path)", file: name) }
                let chunk = UnsafeRawBufferPointer(start: buffer, count: count)
                hasher.update(chunk)
                try writeAll(output, chunk, path: destination, file: name)
                total += Int64(count)
                progress?(total)
            }
        } catch {
            markBroken()  // read-ahead requests may still be in flight: don't reuse the session
            throw error
        }
        completed = true
        return DownloadReceipt(bytes: total, md5: hasher.finalizeHex())
    }

    /// Writes `source` to `temporary` (creating folders as needed), then
    /// renames it to `name`; on failure the temporary file is removed.
    func upload(
        _ source: String, as name: String, via temporary: String, cancellation: CancellationFlag,
        progress: TransferProgress?
    ) throws {
        let input = Glibc.open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw localFailure("cannot read \(source)", file: name) }
        defer { Glibc.close(input) }
        let temporaryPath = configuration.path(temporary)
        let handle = try openForWriting(temporaryPath, file: name)
        var handleOpen = true
        do {
            let size = configuration.chunkSize
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            defer { buffer.deallocate() }
            // libssh2 splits a write into pipelined packets and returns what was
            // acknowledged; the next call must pass the unacknowledged bytes again,
            // and may pass more after them. buffer[start..<end] holds those bytes;
            // it is topped up from the file while half of it is still in flight,
            // so the pipeline never drains between chunks.
            var start = 0
            var end = 0
            var atEnd = false
            var total: Int64 = 0
            while true {
                try cancellation.check()
                if !atEnd, end - start <= size / 2 {
                    if start > 0 {
                        memmove(buffer, buffer + start, end - start)
                        end -= start
                        start = 0
                    }
                    let count = try readFull(input, buffer + end, size - end, path: source, file: name)
                    atEnd = count < size - end
                    end += count
                }
                if start == end { break }
                let written = libssh2_sftp_write(
                    handle, (buffer + start).assumingMemoryBound(to: CChar.self), end - start)
                guard written >= 0 else { throw failure(written, doing: "writing \(temporaryPath)", file: name) }
                start += written
                total += Int64(written)
                progress?(total)
            }
            handleOpen = false
            let closed = cssh2_close(handle)
            guard closed == 0 else { throw failure(Int(closed), doing: "finishing \(temporaryPath)", file: name) }
            try rename(temporaryPath, to: configuration.path(name), file: name)
        } catch {
            if handleOpen {
                _ = cssh2_close(handle)
                markBroken()  // writes may still be in flight
            } else if !isBroken {
                _ = cssh2_unlink(sftp, temporaryPath)
            }
            throw error
        }
    }

    /// Opens `path` for writing (exclusive create), creating missing folders.
    private func openForWriting(_ path: String, file: String) throws(RemoteError) -> OpaquePointer {
        let flags = UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC | LIBSSH2_FXF_EXCL)
        if let handle = cssh2_open(sftp, path, flags, 0o644) { return handle }
        let first = failure(Int(libssh2_session_last_errno(session)), doing: "creating \(path)", file: file)
        guard first.kind == .notFound else { throw first }
        makeFolders(containing: path)
        if let handle = cssh2_open(sftp, path, flags, 0o644) { return handle }
        throw failure(Int(libssh2_session_last_errno(session)), doing: "creating \(path)", file: file)
    }

    /// `mkdir` for each ancestor of `path`; existing ones fail harmlessly, and
    /// the caller's next call reports what really went wrong.
    private func makeFolders(containing path: String) {
        var components = path.split(separator: "/", omittingEmptySubsequences: true)
        components.removeLast()
        var folder = path.hasPrefix("/") ? "" : nil as String?
        for component in components {
            let next = folder.map { $0 + "/" + component } ?? String(component)
            folder = next
            _ = cssh2_mkdir(sftp, next, 0o755)
        }
    }

    /// Renames over an existing target: SFTP v3 servers refuse that, so the
    /// target is removed first when the plain rename fails.
    private func rename(_ from: String, to target: String, file: String) throws(RemoteError) {
        if cssh2_rename(sftp, from, target) == 0 { return }
        let code = Int(libssh2_session_last_errno(session))
        guard code == Int(LIBSSH2_ERROR_SFTP_PROTOCOL) else {
            throw failure(code, doing: "renaming \(from) to \(target)", file: file)
        }
        _ = cssh2_unlink(sftp, target)
        let again = cssh2_rename(sftp, from, target)
        guard again == 0 else { throw failure(Int(again), doing: "renaming \(from) to \(target)", file: file) }
    }

    private func readFull(_ input: Int32, _ buffer: UnsafeMutableRawPointer, _ size: Int, path: String, file: String)
        throws(RemoteError) -> Int
    {
        var filled = 0
        while filled < size {
            let count = read(input, buffer + filled, size - filled)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw localFailure("cannot read \(path)", file: file)
            }
            filled += count
        }
        return filled
    }

    private func writeAll(_ output: Int32, _ chunk: UnsafeRawBufferPointer, path: String, file: String)
        throws(RemoteError)
    {
        var offset = 0
        while offset < chunk.count {
            let count = write(output, chunk.baseAddress! + offset, chunk.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw localFailure("cannot write \(path)", file: file)
            }
            offset += count
        }
    }

    private func localFailure(_ what: String, file: String) -> RemoteError {
        RemoteError(
            .other, protocolName: "sftp", location: configuration.location,
            reason: "\(what): \(String(cString: strerror(errno)))", file: file)
    }
}

extension RemoteError {
    /// The SSH connection went away midway (as opposed to a timeout).
    var isConnectionLost: Bool { isTransient && reason.contains(SFTPConnection.connectionLost) }
}
