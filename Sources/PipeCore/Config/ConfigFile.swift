import Foundation
import PipeJSON
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The config file: one JSON object keyed by profile name, each profile an
/// object (`filerepo`, `server`, `token`, `key`, `mode`, `username`, ...).
/// d6tpipe's `cfg.json` has the same layout and is read as is.
///
/// Writes are atomic (temporary file, fsync, rename) and the file is kept
/// 0600 because profiles hold tokens.
public struct ConfigFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// All profiles; an empty object when the file does not exist yet. The
    /// parse is reused while the file's (inode, size, mtime) stay the same.
    public func load() throws(ConfigError) -> JSONObject {
        var info = stat()
        guard stat(path, &info) == 0 else { return [:] }
        let signature = FileSignature(info)
        if let cached = Self.cache.withLock({ $0[path] }), cached.signature == signature { return cached.profiles }
        let profiles = try parse()
        Self.cache.withLock { $0[path] = (signature, profiles) }
        return profiles
    }

    private static let cache = Mutex<[String: (signature: FileSignature, profiles: JSONObject)]>([:])

    private func parse() throws(ConfigError) -> JSONObject {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, reason: "cannot be read")
        }
        let parsed: JSON
        do {
            parsed = try JSON.parse([UInt8](data))
        } catch {
            throw ConfigError(file: path, reason: "is not valid JSON: \(error)")
        }
        guard case .object(let profiles) = parsed else {
            throw ConfigError(
                file: path, reason: "must hold a JSON object keyed by profile name, found \(parsed.kindDescription)")
        }
        for (name, profile) in profiles where profile.objectValue == nil {
            throw ConfigError(
                file: path, reason: "profile \"\(name)\" must be an object, found \(profile.kindDescription)")
        }
        return profiles
    }

    /// Replaces the whole file with `profiles`.
    public func save(_ profiles: JSONObject) throws(ConfigError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigError(file: path, reason: "its folder cannot be created: \(error.localizedDescription)")
        }
        var text = JSON.object(profiles).serialized()
        text.append(UInt8(ascii: "\n"))
        do {
            try AtomicFile.write(text, to: path, mode: 0o600)
        } catch {
            throw ConfigError(file: path, reason: "cannot be written: \(error)")
        }
    }
}

/// The config file could not be used.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "config file \(file) \(reason)" }
}

/// Identifies one version of a file without reading it.
struct FileSignature: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedNanoseconds: Int64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}
