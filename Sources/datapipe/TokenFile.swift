import Foundation

/// The secret a TCP peer must present, written where only the owner can read it.
enum TokenFile {
    /// Makes a fresh 256-bit token and writes it (hex, one line) to `path`
    /// atomically with mode 0600, creating the folder (0700) if needed.
    static func create(at path: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw TokenFileError(path: path, reason: String(cString: strerror(errno)))
        }
        let line = Array((token + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == line.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw TokenFileError(path: path, reason: String(cString: strerror(errno)))
        }
        return token
    }
}

struct TokenFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write the token file \(path): \(reason)" }
}
