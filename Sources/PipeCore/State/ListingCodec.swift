import Foundation
import PipeJSON
import PipeRemotes

/// How listings (tens of thousands of entries) are stored in the local repo:
/// a length-prefixed binary form that decodes without a JSON parser, since
/// a no-change preview decodes up to three of them.
///
/// Layout: the magic `DPL1`, the number of files (`UInt32`), then per file: filename, crc, md5 (each a
/// little-endian `UInt32` length and UTF-8 bytes; md5 absent = `0xFFFFFFFF`),
/// `modifiedAt` as the bits of a `Double` and `size` as `Int64` (little-endian).
/// Listings written by earlier versions as JSON text are still read.
enum ListingCodec {
    static let magic: [UInt8] = Array("DPL1".utf8)
    private static let absent = UInt32.max

    static func encode(_ files: [RemoteFile]) -> Data {
        var bytes = magic
        bytes.reserveCapacity(magic.count + 4 + files.count * 96)
        append(UInt32(files.count), to: &bytes)
        for file in files.sorted(by: { $0.filename < $1.filename }) {
            append(file.filename, to: &bytes)
            append(file.crc, to: &bytes)
            if let md5 = file.md5 { append(md5, to: &bytes) } else { append(absent, to: &bytes) }
            append(file.modifiedAt.bitPattern, to: &bytes)
            append(UInt64(bitPattern: file.size), to: &bytes)
        }
        return Data(bytes)
    }

    /// The files of a stored listing, keyed by name (the last entry wins).
    static func decode(_ stored: DatabaseBytes) throws -> [String: RemoteFile] {
        Dictionary(try decodeFiles(stored).map { ($0.filename, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The files of a stored listing in stored order (by name for listings this version wrote).
    static func decodeFiles(_ stored: DatabaseBytes) throws -> [RemoteFile] {
        switch stored {
        case .text(let text):
            return try JSONValueDecoder().decode([RemoteFile].self, from: try JSON.parse(text))
        case .blob(let data):
            return try data.withUnsafeBytes { raw in try decode(raw) }
        }
    }

    private static func decode(_ raw: UnsafeRawBufferPointer) throws -> [RemoteFile] {
        guard raw.count >= magic.count, raw.prefix(magic.count).elementsEqual(magic) else {
            throw ListingCorrupt(offset: 0)
        }
        var reader = Reader(raw: raw, offset: magic.count)
        let count = Int(try reader.integer(UInt32.self))
        var files: [RemoteFile] = []
        files.reserveCapacity(count)
        for _ in 0..<count {
            let filename = try reader.string()
            let crc = try reader.string()
            let md5 = try reader.optionalString()
            let modifiedAt = Double(bitPattern: try reader.integer(UInt64.self))
            let size = Int64(bitPattern: try reader.integer(UInt64.self))
            files.append(RemoteFile(filename: filename, modifiedAt: modifiedAt, size: size, crc: crc, md5: md5))
        }
        guard reader.atEnd else { throw ListingCorrupt(offset: reader.offset) }
        return files
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            append(UInt32(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private struct Reader {
        let raw: UnsafeRawBufferPointer
        var offset: Int

        var atEnd: Bool { offset == raw.count }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let width = MemoryLayout<T>.size
            guard raw.count - offset >= width else { throw ListingCorrupt(offset: offset) }
            var value: T = 0
            withUnsafeMutableBytes(of: &value) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + width]))
            }
            offset += width
            return T(littleEndian: value)
        }

        mutating func optionalString() throws -> String? {
            let length = try integer(UInt32.self)
            return length == ListingCodec.absent ? nil : try bytes(Int(length))
        }

        mutating func string() throws -> String {
            try bytes(Int(try integer(UInt32.self)))
        }

        private mutating func bytes(_ count: Int) throws -> String {
            guard raw.count - offset >= count else { throw ListingCorrupt(offset: offset) }
            defer { offset += count }
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + count]), as: UTF8.self)
        }
    }
}

/// A stored column that holds either text (listings of earlier versions) or bytes.
enum DatabaseBytes {
    case text(String)
    case blob(Data)
}

/// A stored listing that does not decode: the local repo file was damaged.
struct ListingCorrupt: Error, CustomStringConvertible {
    var offset: Int
    var description: String { "a stored listing in the local repo is damaged (at byte \(offset))" }
}
