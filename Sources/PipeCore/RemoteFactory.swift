import PipeRemotes

/// Opens the remote store a pipe's settings describe.
public enum RemoteFactory {
    /// The store for reading (`write: false`) or writing, with the matching credentials.
    public static func open(_ settings: PipeSettings, write: Bool, hashes: HashCache) throws -> RemoteStore {
        switch settings.protocolName {
        case "file":
            guard let remotepath = settings.remotepath else {
                throw SettingsError(field: "options.remotepath", reason: "required for file pipes")
            }
            return FileRemote(root: Paths.expandingTilde(remotepath), fingerprints: hashes)
        case "s3", "sftp", "ftp":
            throw SettingsError(
                field: "protocol",
                reason: "\(settings.protocolName) remotes are not available in this build yet (see README: status)")
        default:
            throw SettingsError(field: "protocol", reason: "\(settings.protocolName) pipes need server mode")
        }
    }
}
