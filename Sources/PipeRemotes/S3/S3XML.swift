/// Just enough XML for S3's responses: finds elements by name (S3 never
/// nests an element inside one of the same name), returns their text with
/// entities decoded. No CDATA, comments or namespaces-by-prefix: S3 sends none.
struct S3XML {
    private let bytes: [UInt8]
    private let range: Range<Int>

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        range = 0..<bytes.count
    }

    private init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.range = range
    }

    /// The name of the first element (`ListBucketResult`, `Error`, …).
    var rootName: String? {
        var index = range.lowerBound
        while let open = find(UInt8(ascii: "<"), from: index) {
            let next = open + 1
            guard next < range.upperBound else { return nil }
            if bytes[next] == UInt8(ascii: "?") || bytes[next] == UInt8(ascii: "!") {
                index = next
                continue
            }
            var end = next
            while end < range.upperBound, !isNameEnd(bytes[end]) { end += 1 }
            return String(decoding: bytes[next..<end], as: UTF8.self)
        }
        return nil
    }

    /// Every `<name …>…</name>` (or `<name/>`) at any depth, in document order.
    func elements(_ name: String) -> [S3XML] {
        let open = Array("<\(name)".utf8)
        let close = Array("</\(name)>".utf8)
        var found: [S3XML] = []
        var index = range.lowerBound
        while let start = find(open, from: index) {
            let afterName = start + open.count
            guard afterName < range.upperBound, isNameEnd(bytes[afterName]) else {
                index = afterName
                continue
            }
            guard let tagEnd = find(UInt8(ascii: ">"), from: afterName) else { break }
            if bytes[tagEnd - 1] == UInt8(ascii: "/") {
                found.append(S3XML(bytes, range: tagEnd..<tagEnd))
                index = tagEnd + 1
                continue
            }
            guard let end = find(close, from: tagEnd + 1) else { break }
            found.append(S3XML(bytes, range: (tagEnd + 1)..<end))
            index = end + close.count
        }
        return found
    }

    /// The decoded text of the first element `name`, nil when there is none.
    func value(_ name: String) -> String? { elements(name).first?.text }

    /// The element's content with entities decoded (tags inside are kept as text).
    var text: String { S3XML.decodeEntities(bytes[range]) }

    /// Decodes `&amp; &lt; &gt; &quot; &apos; &#N; &#xH;`; unknown entities stay as written.
    static func decodeEntities(_ raw: ArraySlice<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var output = [UInt8]()
        output.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "&"),
                let semicolon = raw[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")),
                let decoded = entity(String(decoding: raw[(index + 1)..<semicolon], as: UTF8.self))
            else {
                output.append(byte)
                index += 1
                continue
            }
            output += decoded
            index = semicolon + 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Escapes text for an element's content.
    static func escape(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }

    private static func entity(_ name: String) -> [UInt8]? {
        switch name {
        case "amp": return [UInt8(ascii: "&")]
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        default: break
        }
        guard name.hasPrefix("#") else { return nil }
        let digits = name.dropFirst()
        let code =
            digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
        guard let code, let scalar = Unicode.Scalar(code) else { return nil }
        return Array(String(Character(scalar)).utf8)
    }

    private func isNameEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: " ")
            || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    private func find(_ byte: UInt8, from start: Int) -> Int? {
        guard start < range.upperBound else { return nil }
        return bytes[start..<range.upperBound].firstIndex(of: byte)
    }

    private func find(_ pattern: [UInt8], from start: Int) -> Int? {
        var index = start
        while let candidate = find(pattern[0], from: index) {
            guard candidate + pattern.count <= range.upperBound else { return nil }
            if bytes[candidate..<(candidate + pattern.count)].elementsEqual(pattern) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}
