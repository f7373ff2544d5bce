import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// Listing: one MLSD or LIST per folder (several folders at once), then, for
/// servers without MLSD (vsftpd), exact times by MDTM (and sizes by SIZE
/// where LIST gave none) in batches of commands on reused connections.
extension FTPRemote {
    static let foldersAtOnce = 4
    static let commandsPerBatch = 100
    static let deepestFolder = 64

    public func list() async throws -> [RemoteFile] {
        let facts = try await serverFacts()
        let entries = try await walk(facts)
        let unsure = entries.filter { !$0.entry.hasExactTime || $0.entry.size == nil }
        let details = try await fileDetails(
            unsure.map { (Self.join(facts.root, $0.name), $0.entry) }, askTimes: facts.hasMDTM)
        return try entries.map { name, entry in
            try RemoteName.validate(name, protocolName: protocolName, location: location)
            let path = Self.join(facts.root, name)
            let modified = details.times[path] ?? entry.modifiedAt ?? 0
            let size = entry.size ?? details.sizes[path] ?? 0
            return RemoteFile(filename: name, modifiedAt: modified, size: size, crc: Self.crc(modified, size))
        }
    }

    /// `mtime-size` like d6tpipe's, the time in whole seconds when it is whole.
    static func crc(_ modified: Double, _ size: Int64) -> String {
        let time = modified == modified.rounded(.down) && abs(modified) < 1e15 ? String(Int64(modified)) : "\(modified)"
        return "\(time)-\(size)"
    }

    /// Every file below the root (names relative to it), skipping temporary uploads.
    private func walk(_ facts: ServerFacts) async throws -> [(name: String, entry: FTPListEntry)] {
        var found: [(name: String, entry: FTPListEntry)] = []
        var pending = [""]
        try await withThrowingTaskGroup(of: (String, [FTPListEntry]).self) { group in
            var running = 0
            while true {
                while running < Self.foldersAtOnce, let folder = pending.popLast() {
                    group.addTask { (folder, try await listFolder(folder, facts: facts)) }
                    running += 1
                }
                guard let (folder, entries) = try await group.next() else { break }
                running -= 1
                for entry in entries {
                    let name = folder.isEmpty ? entry.name : folder + "/" + entry.name
                    switch entry.kind {
                    case .folder:
                        guard name.split(separator: "/").count < Self.deepestFolder else {
                            throw invalid("folders nested over \(Self.deepestFolder) deep", file: name)
                        }
                        pending.append(name)
                        knownFolders.remember(Self.join(facts.root, name))
                    case .file where !entry.name.hasSuffix(Self.uploadSuffix):
                        found.append((name, entry))
                    default: break
                    }
                }
            }
        }
        return found
    }

    /// One folder's entries; a missing root lists as empty.
    private func listFolder(_ folder: String, facts: ServerFacts) async throws -> [FTPListEntry] {
        let command = facts.hasMLSD ? "MLSD" : "LIST -a"
        let request = Self.listing(Self.join(facts.root, folder), command: command)
        let response: FTPResponse
        do {
            response = try await client.perform(request, login: login)
        } catch let error as FTPTransportError where error.isFolderRefused && folder.isEmpty {
            guard try await parentLists(facts.root) else { return [] }
            throw mapped(error, file: nil)
        } catch {
            throw mapped(error, file: folder.isEmpty ? nil : folder + "/")
        }
        // vsftpd answers a folder it cannot read with an empty listing and this.
        if let reply = response.reply(to: command), reply.text.contains("failed to open directory") {
            throw RemoteError(
                .permissionDenied, protocolName: protocolName, location: location,
                reason: "the server cannot read the folder (server: \(reply.summary))",
                file: folder.isEmpty ? nil : folder + "/")
        }
        let text = String(decoding: response.body, as: UTF8.self)
        let entries =
            facts.hasMLSD
            ? FTPListing.parseMLSD(text) : FTPListing.parseLIST(text, now: Double(time(nil)))
        if let odd = entries.first(where: { $0.name.contains("/") || $0.name.contains("\n") }) {
            throw invalid("listed name \"\(odd.name)\" is not a plain name", file: folder + "/" + odd.name)
        }
        return entries
    }

    /// Lists `folder` after an explicit CWD: libcurl skips its own CWD into
    /// the folder a reused connection was last in, which lists nothing if the
    /// folder was removed and made again since.
    static func listing(_ folder: String, command: String) -> FTPRequest {
        var request = FTPRequest(path: folder + "/", action: .list(command: command), folderMethod: .single)
        request.quote = ["CWD \(folder)"]
        return request
    }

    /// Whether the root's parent lists the root as a folder (so a root we
    /// cannot enter exists and is refused to us, rather than not made yet).
    private func parentLists(_ root: String) async throws -> Bool {
        guard root != "/", let slash = root.lastIndex(of: "/") else { return true }
        let parent = slash == root.startIndex ? "/" : String(root[..<slash])
        let base = String(root[root.index(after: slash)...])
        let request = Self.listing(parent, command: "LIST -a")
        guard let response = try? await client.perform(request, login: login) else { return false }
        let entries = FTPListing.parseLIST(String(decoding: response.body, as: UTF8.self), now: Double(time(nil)))
        return entries.contains { $0.name == base && $0.kind == .folder }
    }

    /// MDTM (and SIZE where missing) for `files`, in batches of quote
    /// commands run a few at once. Paths a server does not answer are left out.
    private func fileDetails(_ files: [(path: String, entry: FTPListEntry)], askTimes: Bool) async throws -> (
        times: [String: Double], sizes: [String: Int64]
    ) {
        var commands: [String] = []
        for (path, entry) in files {
            if askTimes, !entry.hasExactTime { commands.append("MDTM \(path)") }
            if entry.size == nil { commands.append("SIZE \(path)") }
        }
        var times: [String: Double] = [:]
        var sizes: [String: Int64] = [:]
        // Spread over the connections, up to `commandsPerBatch` a request.
        let perBatch = min(
            Self.commandsPerBatch, max(10, (commands.count + Self.foldersAtOnce - 1) / Self.foldersAtOnce))
        let batches = stride(from: 0, to: commands.count, by: perBatch).map {
            Array(commands[$0..<min($0 + perBatch, commands.count)])
        }
        try await withThrowingTaskGroup(of: [FTPReply].self) { group in
            var next = 0
            func startNext() {
                guard next < batches.count else { return }
                var request = FTPRequest(path: "/", action: .commands)
                request.quote = ["*TYPE I"] + batches[next].map { "*" + $0 }
                next += 1
                group.addTask { try await perform(request, file: nil).replies }
            }
            for _ in 0..<Self.foldersAtOnce { startNext() }
            while let replies = try await group.next() {
                for reply in replies where reply.code == 213 {
                    let value = reply.summary.dropFirst(4)
                    if reply.command.hasPrefix("MDTM ") {
                        times[String(reply.command.dropFirst(5))] = FTPListing.timeval(value)
                    } else if reply.command.hasPrefix("SIZE ") {
                        sizes[String(reply.command.dropFirst(5))] = Int64(value)
                    }
                }
                startNext()
            }
        }
        return (times, sizes)
    }

    private func invalid(_ reason: String, file: String?) -> RemoteError {
        RemoteError(.invalidResponse, protocolName: protocolName, location: location, reason: reason, file: file)
    }
}
