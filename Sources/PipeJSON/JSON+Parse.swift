import CJansson

/// Why a JSON text was refused, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, in words.
    public var reason: String
    /// 1-based line and column of the offending character, as jansson counts them.
    public var line: Int
    public var column: Int
    /// Byte offset into the text.
    public var offset: Int

    public var description: String {
        "invalid JSON at line \(line), column \(column) (byte \(offset)): \(reason)"
    }
}

/// Limits applied while parsing untrusted text.
public struct JSONParseLimits: Sendable {
    /// Texts longer than this are refused before parsing.
    public var maxBytes: Int
    /// Arrays and objects nested deeper than this are refused. jansson itself
    /// stops at 2048; values this deep also cost stack in every recursive walk.
    public var maxDepth: Int

    public init(maxBytes: Int = 64 << 20, maxDepth: Int = 512) {
        self.maxBytes = maxBytes
        self.maxDepth = min(maxDepth, Int(JSON_PARSER_MAX_DEPTH))
    }

    public static let `default` = JSONParseLimits()
}

extension JSON {
    public static func parse(_ bytes: [UInt8], limits: JSONParseLimits = .default) throws(JSONParseError) -> JSON {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSON in try parse(buffer, limits: limits) }
        }
        return try result.get()
    }

    /// Parses the UTF-8 of `text`.
    public static func parse(_ text: String, limits: JSONParseLimits = .default) throws(JSONParseError) -> JSON {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) -> JSON in try parse(UnsafeRawBufferPointer(buffer), limits: limits) }
        }
        return try result.get()
    }

    /// Parses one JSON text (any value at the top level). Strings must be valid
    /// UTF-8 (`\u0000` is allowed), integers must fit in 64 bits, and the text
    /// must hold nothing but the value and white space.
    public static func parse(_ buffer: UnsafeRawBufferPointer, limits: JSONParseLimits) throws(JSONParseError) -> JSON {
        guard buffer.count <= limits.maxBytes else {
            throw JSONParseError(
                reason: "text of \(buffer.count) bytes exceeds the limit of \(limits.maxBytes) bytes",
                line: 1, column: 1, offset: 0)
        }
        var error = json_error_t()
        let flags = JSON_DECODE_ANY | JSON_ALLOW_NUL
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: CChar.self), !buffer.isEmpty else {
            throw JSONParseError(reason: "empty text, expected a JSON value", line: 1, column: 1, offset: 0)
        }
        guard let root = json_loadb(base, buffer.count, Int(flags), &error) else {
            throw JSONParseError(jansson: error)
        }
        defer { cjansson_decref(root) }
        var converter = JanssonConverter(maxDepth: limits.maxDepth)
        return try converter.value(of: root, depth: 0)
    }
}

extension JSONParseError {
    init(jansson error: json_error_t) {
        var error = error
        let text = withUnsafeBytes(of: &error.text) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        var reason = text
        switch cjansson_error_code(&error) {
        case Int32(json_error_numeric_overflow.rawValue):
            reason += " (integers must fit in a signed 64-bit range)"
        case Int32(json_error_invalid_utf8.rawValue):
            reason = "invalid UTF-8: " + text
        default:
            break
        }
        self.init(
            reason: reason, line: max(Int(error.line), 1), column: max(Int(error.column), 1),
            offset: max(Int(error.position), 0))
    }
}

/// Copies a jansson tree into `JSON` values, enforcing the depth limit.
private struct JanssonConverter {
    let maxDepth: Int

    mutating func value(of node: UnsafeMutablePointer<json_t>, depth: Int) throws(JSONParseError) -> JSON {
        switch json_type(UInt32(cjansson_typeof(node))) {
        case JSON_NULL: return .null
        case JSON_TRUE: return .bool(true)
        case JSON_FALSE: return .bool(false)
        case JSON_INTEGER: return .integer(Int64(json_integer_value(node)))
        case JSON_REAL: return .double(json_real_value(node))
        case JSON_STRING:
            return .string(string(json_string_value(node), length: json_string_length(node)))
        case JSON_ARRAY:
            try checkDepth(depth)
            let count = json_array_size(node)
            var elements: [JSON] = []
            elements.reserveCapacity(count)
            for position in 0..<count {
                elements.append(try value(of: json_array_get(node, position), depth: depth + 1))
            }
            return .array(elements)
        case JSON_OBJECT:
            try checkDepth(depth)
            var object = JSONObject()
            var iterator = json_object_iter(node)
            while let current = iterator {
                let key = string(json_object_iter_key(current), length: json_object_iter_key_len(current))
                object.append(key, try value(of: json_object_iter_value(current), depth: depth + 1))
                iterator = json_object_iter_next(node, current)
            }
            return .object(object)
        default:
            return .null
        }
    }

    private func checkDepth(_ depth: Int) throws(JSONParseError) {
        guard depth < maxDepth else {
            throw JSONParseError(
                reason: "arrays and objects nested deeper than \(maxDepth) levels", line: 1, column: 1, offset: 0)
        }
    }

    private func string(_ pointer: UnsafePointer<CChar>?, length: Int) -> String {
        guard let pointer else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }
}
