import Foundation
import PipeCore
import PipeJSON
import PipeRemotes

/// File lists as the bridge returns them: names, or `{filename,
/// modified_at, size, crc}` objects (modified_at in ISO 8601, UTC), sorted
/// by name unless `sortby` says otherwise.
enum FileListing {
    static let sortKeys = ["name", "filename", "mod", "modified_at", "size", "crc"]

    static func sorted(_ files: [RemoteFile], by sortby: String?) throws -> [RemoteFile] {
        switch sortby ?? "name" {
        case "name", "filename": return files.sorted { $0.filename < $1.filename }
        case "mod", "modified_at": return files.sorted { ($0.modifiedAt, $0.filename) < ($1.modifiedAt, $1.filename) }
        case "size": return files.sorted { ($0.size, $0.filename) < ($1.size, $1.filename) }
        case "crc": return files.sorted { ($0.crc, $0.filename) < ($1.crc, $1.filename) }
        case let other:
            throw BridgeError(
                .invalidSettings, "sortby must be one of \(sortKeys.joined(separator: ", ")), got \"\(other)\"",
                facts: ["field": "sortby"])
        }
    }

    static func json(_ files: [RemoteFile], attributes: Bool) -> JSON {
        .array(files.map { attributes ? $0.attributes : .string($0.filename) })
    }
}
