import Foundation
import PipeJSON
import Synchronization

/// Reads the config file, parsing it again only when it changed: one `stat`
/// per call decides whether the cached parse is still current.
final class ConfigFileReader: Sendable {
    static let shared = ConfigFileReader()

    private struct Signature: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    private let cache = Mutex<[String: (signature: Signature, config: JSON)]>([:])

    /// The parsed file, or nil when it does not exist.
    func read(_ path: String) throws(BridgeError) -> JSON? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let signature = Signature(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
        if let cached = cache.withLock({ $0[path] }), cached.signature == signature {
            return cached.config
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let config: JSON
        do {
            config = try JSON.parse([UInt8](data))
        } catch {
            throw BridgeError(
                .invalidSettings, "config file \(path) is not valid JSON: \(error)",
                facts: ["config_file": .string(path)])
        }
        cache.withLock { $0[path] = (signature, config) }
        return config
    }
}
