/// The headers before one Content-Length framed message, parsed from bytes:
/// this runs once per message, so it avoids `String` work on the common path.
struct HeaderBlock {
    var length: Int
    /// Set when the body must be skipped rather than read (a charset other than UTF-8).
    var problem: String?

    struct Failure: Error {
        let reason: String
    }

    private static let contentLength = Array("content-length".utf8)
    private static let contentType = Array("content-type".utf8)

    /// Parses a header block without its terminating empty line.
    static func parse(_ block: ArraySlice<UInt8>) -> Result<HeaderBlock, Failure> {
        var length: Int?
        var problem: String?
        var lineStart = block.startIndex
        while lineStart < block.endIndex {
            let lineEnd = block[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? block.endIndex
            defer { lineStart = lineEnd + 1 }
            let line = trimmed(block[lineStart..<lineEnd])
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(
                    Failure(reason: "malformed header line \"\(text(line, limit: 80))\": expected \"Name: value\""))
            }
            let name = trimmed(line[..<colon])
            let value = trimmed(line[(colon + 1)...])
            if equalsIgnoringCase(name, contentLength) {
                guard let parsed = byteCount(value) else {
                    return .failure(Failure(reason: "Content-Length \"\(text(value, limit: 40))\" is not a byte count"))
                }
                length = parsed
            } else if equalsIgnoringCase(name, contentType) {
                if let charset = charset(in: String(decoding: value, as: UTF8.self)), charset != "utf-8",
                    charset != "utf8"
                {
                    problem = "unsupported charset \"\(charset)\" (only utf-8 is accepted)"
                }
            }
            // Other headers are allowed and ignored.
        }
        guard let length else {
            return .failure(Failure(reason: "header block without a Content-Length header"))
        }
        return .success(HeaderBlock(length: length, problem: problem))
    }

    private static func byteCount(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    private static func charset(in contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2,
                parts[0].trimmingCharacters(in: " \t").lowercased() == "charset"
            else { continue }
            return parts[1].trimmingCharacters(in: " \t\"").lowercased()
        }
        return nil
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }),
            let last = bytes.lastIndex(where: { !isBlank($0) })
        else { return bytes[bytes.endIndex...] }
        return bytes[first...last]
    }

    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: [UInt8]) -> Bool {
        guard bytes.count == lowercase.count else { return false }
        return zip(bytes, lowercase).allSatisfy { byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte) == expected
        }
    }

    private static func text(_ bytes: ArraySlice<UInt8>, limit: Int) -> String {
        String(decoding: bytes.prefix(limit), as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop(while: set.contains).reversed().drop(while: set.contains).reversed())
    }
}
