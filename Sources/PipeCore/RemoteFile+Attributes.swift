import Foundation
import PipeJSON
import PipeRemotes

extension RemoteFile {
    /// The file as d6tpipe's `scan_remote(attributes=True)` gives it, and as
    /// the repo server serves its cached listings: `{filename, modified_at,
    /// size, crc}`, `modified_at` in ISO 8601 (UTC, milliseconds).
    public var attributes: JSON {
        .object([
            "filename": .string(filename), "modified_at": .string(Self.timestamp(modifiedAt)),
            "size": .integer(size), "crc": .string(crc),
        ])
    }

    /// A file read back from `attributes`; nil when a member is missing or malformed.
    public init?(attributes: JSON) {
        guard let filename = attributes["filename"]?.stringValue, let size = attributes["size"]?.integerValue,
            let crc = attributes["crc"]?.stringValue, let modified = attributes["modified_at"]?.stringValue,
            let seconds = ISO8601.seconds(modified)
        else { return nil }
        self.init(filename: filename, modifiedAt: seconds, size: size, crc: crc)
    }

    /// `seconds` since 1970 as ISO 8601 UTC with milliseconds.
    public static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
