import Foundation

/// The 32-byte AES-256-GCM key that seals stored secrets (pipe credentials,
/// API tokens). Kept in its own file, mode 0600, made on first start.
public struct ServerKey: Sendable {
    let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Reads the key at `path` (hex), creating it (0600, exclusive) when missing.
    /// Refuses a key file that others can read.
    public static func loadOrCreate(path: String) throws(ServerError) -> ServerKey {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            let bytes = try ServerCrypto.randomBytes(32)
            let text = ServerCrypto.hex(bytes) + "\n"
            let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else { throw .keyFile(path: path, reason: String(cString: strerror(errno))) }
            let written = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, text.utf8.count) }
            let synced = fsync(fd)
            close(fd)
            guard written == text.utf8.count, synced == 0 else {
                throw .keyFile(path: path, reason: "could not write the new key")
            }
            return ServerKey(bytes: bytes)
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .keyFile(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & 0o077 == 0 else {
            throw .keyFile(path: path, reason: "mode is \(String(info.st_mode & 0o777, radix: 8)); must be 0600")
        }
        guard let data = manager.contents(atPath: path) else { throw .keyFile(path: path, reason: "unreadable") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = ServerCrypto.unhex(text), bytes.count == 32 else {
            throw .keyFile(path: path, reason: "not 64 hex digits")
        }
        return ServerKey(bytes: bytes)
    }

    func seal(_ plaintext: [UInt8], context: String) throws(ServerError) -> [UInt8] {
        try ServerCrypto.seal(plaintext, key: bytes, context: context)
    }

    func open(_ sealed: [UInt8], context: String) throws(ServerError) -> [UInt8] {
        try ServerCrypto.open(sealed, key: bytes, context: context)
    }
}
