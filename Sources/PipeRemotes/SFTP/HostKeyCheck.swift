import CSSH2
import Foundation
import Synchronization

/// Checks a server's host key: against `pinnedHostKey` when set, else
/// against the profile's known_hosts file, recording it on first contact
/// (with a warning) and refusing a changed one.
enum HostKeyCheck {
    /// Serializes read-check-record of known_hosts files within the process.
    private static let fileLock = Mutex(())

    static func verify(session: OpaquePointer, configuration: SFTPConfiguration, warn: (String) -> Void)
        throws(RemoteError)
    {
        var length = 0
        var type: Int32 = 0
        guard let raw = libssh2_session_hostkey(session, &length, &type) else {
            throw refusal(configuration, "the server sent no host key")
        }
        let key = Data(bytes: raw, count: length)
        let typeName = String(cString: cssh2_hostkey_type_name(type))
        let fingerprint = Self.fingerprint(session)
        if let pinned = configuration.pinnedHostKey {
            guard matches(pinned: pinned, key: key, fingerprint: fingerprint) else {
                throw refusal(
                    configuration,
                    "its host key \(typeName) \(fingerprint) is not the one options.host_key pins; refusing to connect"
                )
            }
            return
        }
        guard let path = configuration.knownHostsPath else { return }
        try fileLock.withLock { _ throws(RemoteError) in
            guard let hosts = libssh2_knownhost_init(session) else {
                throw refusal(configuration, "cannot check host keys (libssh2_knownhost_init failed)")
            }
            defer { libssh2_knownhost_free(hosts) }
            if FileManager.default.fileExists(atPath: path), cssh2_knownhost_readfile(hosts, path) < 0 {
                throw refusal(configuration, "cannot read the known hosts file \(path)")
            }
            let typemask = cssh2_knownhost_typemask(type)
            let result = cssh2_knownhost_check(
                hosts, configuration.host, Int32(configuration.port), raw, length, typemask)
            switch result {
            case LIBSSH2_KNOWNHOST_CHECK_MATCH:
                return
            case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
                throw refusal(
                    configuration,
                    "the host key changed: the server now shows \(typeName) \(fingerprint), which does not match "
                        + "the key recorded in \(path). Refusing to connect: someone may be intercepting the "
                        + "connection. If the server's key was replaced on purpose, remove its line from that file.")
            case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
                try record(hosts, raw: raw, length: length, typemask: typemask, path: path, configuration)
                warn(
                    "sftp \(configuration.location): first contact, recorded its host key \(typeName) \(fingerprint) "
                        + "in \(path); later connections must show the same key")
            default:
                throw refusal(configuration, "cannot check its host key against \(path)")
            }
        }
    }

    private static func record(
        _ hosts: OpaquePointer, raw: UnsafePointer<CChar>, length: Int, typemask: Int32, path: String,
        _ configuration: SFTPConfiguration
    ) throws(RemoteError) {
        let name = configuration.port == 22 ? configuration.host : "[\(configuration.host)]:\(configuration.port)"
        guard cssh2_knownhost_add(hosts, name, raw, length, typemask) == 0 else {
            throw refusal(configuration, "cannot record its host key")
        }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(
            atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        let temporary = path + ".\(UInt32.random(in: 0...UInt32.max)).tmp"
        guard cssh2_knownhost_writefile(hosts, temporary) == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw refusal(configuration, "cannot write the known hosts file \(path)")
        }
    }

    /// `SHA256:<base64 without padding>`, as OpenSSH shows it.
    static func fingerprint(_ session: OpaquePointer) -> String {
        guard let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) else { return "SHA256:?" }
        let encoded = Data(bytes: hash, count: 32).base64EncodedString()
        return "SHA256:" + encoded.replacingOccurrences(of: "=", with: "")
    }

    /// A pin is a fingerprint (`SHA256:…`) or a public key line (`ssh-ed25519 AAAA… [comment]`).
    static func matches(pinned: String, key: Data, fingerprint: String) -> Bool {
        let pin = pinned.trimmingCharacters(in: .whitespacesAndNewlines)
        if pin.hasPrefix("SHA256:") {
            return pin.replacingOccurrences(of: "=", with: "") == fingerprint
        }
        let fields = pin.split(separator: " ")
        guard fields.count >= 2, let decoded = Data(base64Encoded: String(fields[1])) else { return false }
        return decoded == key
    }

    private static func refusal(_ configuration: SFTPConfiguration, _ reason: String) -> RemoteError {
        RemoteError(.authentication, protocolName: "sftp", location: configuration.location, reason: reason)
    }
}
