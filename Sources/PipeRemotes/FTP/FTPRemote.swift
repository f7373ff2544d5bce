import CCurl
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A folder on an FTP server (explicit TLS with `tls`), over libcurl:
/// passive mode, connections reused across requests (`FTPClient`, one per server), uploads
/// to a hidden temporary name renamed into place (RNFR/RNTO), folders
/// created as needed. crc is `mtime-size`, as d6tpipe's for (s)ftp.
public struct FTPRemote: RemoteStore {
    public let configuration: FTPConfiguration
    let login: FTPLogin
    let client: FTPClient
    let facts = ServerFactsCache()
    let knownFolders: KnownFolders

    public var protocolName: String { configuration.tls ? "ftps" : "ftp" }

    /// `host:port/root`: named in errors, never credentials.
    public var location: String { "\(configuration.host):\(configuration.port)\(configuration.root ?? "")" }

    /// Uploads are written under `.<name>` plus this suffix, then renamed; listings skip it.
    static let uploadSuffix = ".datapipe-upload"

    public init(_ configuration: FTPConfiguration) {
        self.configuration = configuration
        login = configuration.login
        client = .serving(login)
        knownFolders = KnownFolders(server: "\(configuration.username)@\(configuration.host):\(configuration.port)")
    }

    public func download(_ name: String, to destination: String, progress: TransferProgress?) async throws
        -> DownloadReceipt
    {
        let path = try await serverPath(of: name)
        let descriptor = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw localError(FileSystemError(path: destination), file: name) }
        defer { close(descriptor) }
        let request = FTPRequest(path: path, action: .download(descriptor: descriptor, path: destination))
        let response = try await perform(request, file: name, progress: progress)
        guard let receipt = response.receipt else {
            throw RemoteError(
                .invalidResponse, protocolName: protocolName, location: location, reason: "no data", file: name)
        }
        return receipt  // made durable by the caller, once per batch (as for every remote)
    }

    /// STOR to `.<name>.datapipe-upload` beside the target (creating
    /// folders), then RNFR/RNTO onto the name. The temporary name is the same
    /// for every upload of a name, so a retry after a crash replaces a leftover.
    /// Into a folder known to exist, by its full path (no CWD walk).
    public func upload(_ source: String, as name: String, progress: TransferProgress?) async throws {
        let target = try await serverPath(of: name)
        let temporary = Self.temporaryPath(for: target)
        let folder = Self.parent(of: target)
        let descriptor = open(source, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw localError(FileSystemError(path: source), file: name) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw localError(FileSystemError(path: source), file: name) }
        var request = FTPRequest(
            path: temporary, action: .upload(descriptor: descriptor, path: source, length: Int64(info.st_size)))
        request.postQuote = ["RNFR \(temporary)", "RNTO \(target)"]
        do {
            do {
                if knownFolders.contains(folder) {
                    do {
                        _ = try await client.perform(request, login: login, progress: progress)
                        return
                    } catch let error as FTPTransportError where error.curlCode == CURLE_UPLOAD_FAILED {
                        // Removed behind our back: walk and create it, on a new connection
                        // (libcurl skips the CWD into a folder a connection was last in).
                        knownFolders.forget(folder)
                        request.freshConnection = true
                    }
                }
                request.folderMethod = .perFolder
                request.createFolders = true
                _ = try await client.perform(request, login: login, progress: progress)
                knownFolders.remember(folder)
            } catch let error as FTPTransportError where error.failedCommand(startingWith: "RNTO") {
                // Some servers refuse to rename onto an existing file.
                var replace = FTPRequest(path: "/", action: .commands)
                replace.quote = ["*DELE \(target)", "RNFR \(temporary)", "RNTO \(target)"]
                _ = try await client.perform(replace, login: login)
            }
        } catch {
            await removeTemporary(temporary)
            throw mapped(error, file: name)
        }
    }

    /// DELE; a file that is already gone is not an error.
    public func delete(_ name: String) async throws {
        let path = try await serverPath(of: name)
        var request = FTPRequest(path: "/", action: .commands)
        request.quote = ["DELE \(path)"]
        do {
            _ = try await client.perform(request, login: login)
        } catch let error as FTPTransportError where error.failedCommand(startingWith: "DELE") {
            guard try await exists(name) else { return }
            throw RemoteError(
                .permissionDenied, protocolName: protocolName, location: location,
                reason: "the server refused to delete the file (\(error.lastReply?.summary ?? error.reason))",
                file: name)
        } catch {
            throw mapped(error, file: name)
        }
    }

    /// A regular file the server gives a size for (folders are not files).
    public func exists(_ name: String) async throws -> Bool {
        let path = try await serverPath(of: name)
        do {
            _ = try await client.perform(FTPRequest(path: path, action: .commands), login: login)
            return true
        } catch let error as FTPTransportError where error.isFileNotFound {
            return false
        } catch {
            throw mapped(error, file: name)
        }
    }

    // MARK: Paths

    /// The absolute server path of a checked name below the root.
    func serverPath(of name: String) async throws -> String {
        try RemoteName.validate(name, protocolName: protocolName, location: location)
        if name.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw RemoteError(
                .invalidResponse, protocolName: protocolName, location: location,
                reason: "file name with a line break", file: name)
        }
        return Self.join(try await serverFacts().root, name)
    }

    static func join(_ folder: String, _ name: String) -> String {
        name.isEmpty ? folder : folder == "/" ? "/" + name : folder + "/" + name
    }

    static func parent(of path: String) -> String {
        let slash = path.lastIndex(of: "/")!
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func temporaryPath(for target: String) -> String {
        let slash = target.lastIndex(of: "/")!
        return String(target[...slash]) + "." + String(target[target.index(after: slash)...]) + uploadSuffix
    }

    // MARK: Requests

    /// Sends `request`, turning failures into `RemoteError`s.
    func perform(_ request: FTPRequest, file: String?, progress: TransferProgress? = nil) async throws -> FTPResponse {
        do {
            return try await client.perform(request, login: login, progress: progress)
        } catch {
            throw mapped(error, file: file)
        }
    }

    /// Removes a temporary upload after a failure, before the caller can
    /// retry (a late DELE would hit the retry's upload). Short time limits:
    /// the server may be gone, and an upload of the same name replaces a
    /// leftover anyway. Runs even when the caller was cancelled.
    private func removeTemporary(_ temporary: String) async {
        var request = FTPRequest(path: "/", action: .commands)
        request.quote = ["*DELE \(temporary)"]
        var login = login
        login.connectSeconds = min(login.connectSeconds, 5)
        login.stallSeconds = min(login.stallSeconds, 5)
        let client = client
        await Task { _ = try? await client.perform(request, login: login) }.value
    }

    func localError(_ failure: FileSystemError, file: String) -> RemoteError {
        RemoteError(.other, protocolName: protocolName, location: location, reason: failure.description, file: file)
    }
}

/// What a server supports and where the pipe's folder is, learned once per remote.
struct ServerFacts: Sendable {
    /// The pipe's folder, absolute.
    var root: String
    var hasMLSD: Bool
    var hasMDTM: Bool
}

/// The first caller probes the server; later callers share the result (a
/// failed probe is tried again next time).
final class ServerFactsCache: Sendable {
    private let probe = Mutex<Task<ServerFacts, any Error>?>(nil)

    func value(_ make: @escaping @Sendable () async throws -> ServerFacts) async throws -> ServerFacts {
        let task = probe.withLock { current in
            if let current { return current }
            let task = Task { try await make() }
            current = task
            return task
        }
        do {
            return try await task.value
        } catch {
            probe.withLock { $0 = nil }
            throw error
        }
    }
}

extension FTPRemote {
    /// FEAT (MLSD? MDTM?) and, without a configured root, the login folder.
    func serverFacts() async throws -> ServerFacts {
        let (client, login, root) = (client, login, configuration.root)
        do {
            return try await facts.value {
                var request = FTPRequest(path: "/", action: .commands)
                request.quote = ["*FEAT"]
                let response = try await client.perform(request, login: login)
                let features = response.reply(to: "FEAT").map { reply in
                    reply.code / 100 == 2
                        ? reply.text.split(separator: "\n").map { $0.drop { $0 == " " }.uppercased() } : []
                }
                let listed = features ?? []
                return ServerFacts(
                    root: root ?? FTPConfiguration.normalized(response.entryPath ?? "/"),
                    hasMLSD: listed.contains { $0.hasPrefix("MLST") },
                    hasMDTM: listed.isEmpty || listed.contains { $0.hasPrefix("MDTM") })
            }
        } catch {
            throw mapped(error, file: nil)
        }
    }
}

/// Folders seen to exist on a server, shared by the process's remotes for the
/// same user and server: uploads into them go by full path, without walking
/// (CWD, MKD) there first. A folder removed behind our back is forgotten when
/// an upload into it fails.
struct KnownFolders: Sendable {
    let server: String
    private static let seen = Mutex<[String: Set<String>]>([:])

    func contains(_ folder: String) -> Bool {
        Self.seen.withLock { $0[server]?.contains(folder) ?? false }
    }

    /// Remembers `folder` and the folders above it.
    func remember(_ folder: String) {
        Self.seen.withLock { seen in
            var path = folder
            while path != "/", seen[server, default: []].insert(path).inserted {
                path = FTPRemote.parent(of: path)
            }
        }
    }

    func forget(_ folder: String) {
        Self.seen.withLock { seen in
            seen[server] = seen[server]?.filter { $0 != folder && !$0.hasPrefix(folder + "/") }
        }
    }
}
