import Foundation
import PipeCore

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
        do {
            try AtomicFile.write(Array((token + "\n").utf8), to: path, mode: 0o600)
        } catch {
            throw TokenFileError(path: path, reason: error.reason)
        }
        return token
    }
}

struct TokenFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write the token file \(path): \(reason)" }
}
