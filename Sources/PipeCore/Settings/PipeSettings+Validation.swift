import PipeJSON

extension PipeSettings {
    /// `^[a-zA-Z0-9-]+$`, as d6tpipe requires.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
            }
    }

    func validate() throws(SettingsError) {
        guard case .string(let name)? = values["name"] else {
            throw SettingsError(field: "name", reason: "required, a string")
        }
        guard Self.isValidName(name) else {
            throw SettingsError(field: "name", reason: "\"\(name)\" must be alphanumeric: letters, digits and - only")
        }
        guard case .string(let protocolName)? = values["protocol"] else {
            throw SettingsError(
                field: "protocol", reason: "required, one of \(Self.protocols.sorted().joined(separator: ", "))")
        }
        guard Self.protocols.contains(protocolName) || Self.managedProtocols.contains(protocolName) else {
            throw SettingsError(
                field: "protocol",
                reason:
                    "\"\(protocolName)\" is not supported; use one of \(Self.protocols.sorted().joined(separator: ", "))"
            )
        }
        try requireString("location", optional: !(protocolName == "sftp" || protocolName == "ftp"))
        if let options = values["options"], options.objectValue == nil {
            throw SettingsError(field: "options", reason: "must be an object, got \(options.kindDescription)")
        }
        for key in ["remotepath", "include", "exclude", "dir", "endpoint_url", "region"] {
            if let value = options[key], value.stringValue == nil {
                throw SettingsError(field: "options.\(key)", reason: "must be a string, got \(value)")
            }
        }
        if let concurrency = options["concurrency"] {
            guard let count = concurrency.integerValue, (1...64).contains(count) else {
                throw SettingsError(
                    field: "options.concurrency", reason: "must be an integer from 1 to 64, got \(concurrency)")
            }
        }
        if let dir = options["dir"]?.stringValue, let problem = Self.problem(withFolder: dir) {
            throw SettingsError(field: "options.dir", reason: problem)
        }
        try validateRemotepath(protocolName: protocolName)
        if let credentials = values["credentials"], credentials.objectValue == nil {
            throw SettingsError(field: "credentials", reason: "must be an object, got \(credentials.kindDescription)")
        }
        for key in ["parent", "role"] {
            if let value = values[key], !value.isNull, value.stringValue == nil {
                throw SettingsError(field: key, reason: "must be a string")
            }
        }
    }

    private func requireString(_ field: String, optional: Bool) throws(SettingsError) {
        guard let value = values[field] else {
            if optional { return }
            throw SettingsError(field: field, reason: "required for \(protocolName) pipes (host or host:port)")
        }
        guard case .string(let text) = value, !text.isEmpty else {
            throw SettingsError(field: field, reason: "must be a non-empty string, got \(value)")
        }
    }

    private func validateRemotepath(protocolName: String) throws(SettingsError) {
        let remotepath = self.remotepath
        switch protocolName {
        case "file":
            guard let remotepath, !remotepath.isEmpty else {
                throw SettingsError(
                    field: "options.remotepath", reason: "required for file pipes: the folder that acts as the remote")
            }
        case "s3":
            guard let remotepath else {
                if location == nil {
                    throw SettingsError(
                        field: "options.remotepath", reason: "required for s3 pipes: s3://bucket/prefix/")
                }
                return
            }
            guard remotepath.hasPrefix("s3://"), remotepath.dropFirst(5).split(separator: "/").first != nil else {
                throw SettingsError(
                    field: "options.remotepath", reason: "must look like s3://bucket/prefix/, got \"\(remotepath)\"")
            }
        default:
            if let remotepath, !remotepath.hasPrefix("/") {
                throw SettingsError(
                    field: "options.remotepath",
                    reason: "must be an absolute folder on the server, got \"\(remotepath)\"")
            }
        }
    }

    /// Nil when `folder` is a relative POSIX path inside the filerepo.
    static func problem(withFolder folder: String) -> String? {
        if folder.isEmpty { return "must not be empty" }
        if folder.hasPrefix("/") { return "\"\(folder)\" is absolute; Paths must be relative to the file repo" }
        if folder.contains("\\") { return "\"\(folder)\" looks like a Windows path; Paths must use / and be relative" }
        if folder.count >= 2, folder.dropFirst().first == ":" {
            return "\"\(folder)\" has a drive letter; Paths must be relative"
        }
        if folder.split(separator: "/").contains(where: { $0 == ".." }) {
            return "\"\(folder)\" leaves the file repo (\"..\"); Paths must stay inside it"
        }
        return nil
    }
}
