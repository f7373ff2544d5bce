/// Decodes `Decodable` Swift types from `JSON` values.
///
/// Strict about types (a string is not a number) but lenient where JSON
/// writers differ: an integral real decodes as an integer, an integer as a real.
/// Errors are `JSONDecodeError`s naming the path of the bad field.
public struct JSONValueDecoder: Sendable {
    public init() {}

    /// Decodes `type` from `value`. `rootPath` prefixes every error path (e.g. `"params"`).
    public func decode<T: Decodable>(_ type: T.Type, from value: JSON, rootPath: String = "") throws(JSONDecodeError)
        -> T
    {
        do {
            if T.self == JSON.self { return value as! T }
            return try T(from: ValueDecoder(value: value, codingPath: []))
        } catch let error as JSONDecodeError {
            throw error.prefixed(by: rootPath)
        } catch let error as DecodingError {
            throw JSONDecodeError(decodingError: error).prefixed(by: rootPath)
        } catch {
            throw JSONDecodeError(path: rootPath, reason: "\(error)")
        }
    }
}

extension JSONDecodeError {
    func prefixed(by root: String) -> JSONDecodeError {
        guard !root.isEmpty else { return self }
        let joined = path.isEmpty ? root : (path.hasPrefix("[") ? root + path : root + "." + path)
        return JSONDecodeError(path: joined, reason: reason)
    }

    /// Converts errors thrown by hand-written `init(from:)` implementations.
    init(decodingError: DecodingError) {
        switch decodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            self.init(path: Self.render(context.codingPath), reason: context.debugDescription)
        case .keyNotFound(let key, let context):
            self.init(path: Self.render(context.codingPath + [key]), reason: "missing required field")
        @unknown default:
            self.init(path: "", reason: "\(decodingError)")
        }
    }
}

private struct ValueDecoder: Decoder {
    let value: JSON
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw JSONDecodeError.typeMismatch(expected: "an object", got: value, at: codingPath)
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw JSONDecodeError.typeMismatch(expected: "an array", got: value, at: codingPath)
        }
        return UnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        SingleValueContainer(value: value, codingPath: codingPath)
    }
}

/// Scalar conversions shared by every container.
private enum Scalar {
    static func decode<T: Decodable>(_ type: T.Type, from value: JSON, at path: [CodingKey]) throws -> T {
        if T.self == JSON.self { return value as! T }
        switch type {
        case is Bool.Type: return try bool(value, at: path) as! T
        case is String.Type: return try string(value, at: path) as! T
        case is Double.Type: return try double(value, at: path) as! T
        case is Float.Type: return Float(try double(value, at: path)) as! T
        case is Int.Type: return try integer(Int.self, value, at: path) as! T
        case is Int8.Type: return try integer(Int8.self, value, at: path) as! T
        case is Int16.Type: return try integer(Int16.self, value, at: path) as! T
        case is Int32.Type: return try integer(Int32.self, value, at: path) as! T
        case is Int64.Type: return try integer(Int64.self, value, at: path) as! T
        case is UInt.Type: return try integer(UInt.self, value, at: path) as! T
        case is UInt8.Type: return try integer(UInt8.self, value, at: path) as! T
        case is UInt16.Type: return try integer(UInt16.self, value, at: path) as! T
        case is UInt32.Type: return try integer(UInt32.self, value, at: path) as! T
        case is UInt64.Type: return try integer(UInt64.self, value, at: path) as! T
        default: return try T(from: ValueDecoder(value: value, codingPath: path))
        }
    }

    static func bool(_ value: JSON, at path: [CodingKey]) throws -> Bool {
        guard case .bool(let result) = value else {
            throw JSONDecodeError.typeMismatch(expected: "a boolean", got: value, at: path)
        }
        return result
    }

    static func string(_ value: JSON, at path: [CodingKey]) throws -> String {
        guard case .string(let result) = value else {
            throw JSONDecodeError.typeMismatch(expected: "a string", got: value, at: path)
        }
        return result
    }

    static func double(_ value: JSON, at path: [CodingKey]) throws -> Double {
        switch value {
        case .double(let result): return result
        case .integer(let result): return Double(result)
        default: throw JSONDecodeError.typeMismatch(expected: "a number", got: value, at: path)
        }
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: JSON, at path: [CodingKey]) throws -> I {
        let converted: I?
        switch value {
        case .integer(let number): converted = I(exactly: number)
        case .double(let number): converted = I(exactly: number)
        default: throw JSONDecodeError.typeMismatch(expected: "an integer", got: value, at: path)
        }
        guard let converted else {
            throw JSONDecodeError(
                path: JSONDecodeError.render(path),
                reason: "expected an integer from \(I.min) to \(I.max), got \(value.briefDescription)")
        }
        return converted
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [CodingKey]

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSON {
        guard let value = object[key.stringValue] else {
            throw JSONDecodeError(path: JSONDecodeError.render(codingPath + [key]), reason: "missing required field")
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key).isNull }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try Scalar.decode(type, from: try member(key), at: codingPath + [key])
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = object[key.stringValue], !value.isNull else { return nil }
        return try Scalar.decode(type, from: value, at: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try ValueDecoder(value: try member(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try ValueDecoder(value: try member(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder {
        ValueDecoder(value: object["super"] ?? .null, codingPath: codingPath + [DynamicKey(stringValue: "super")])
    }

    func superDecoder(forKey key: Key) throws -> Decoder {
        ValueDecoder(value: object[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSON]
    let codingPath: [CodingKey]
    var currentIndex = 0

    init(elements: [JSON], codingPath: [CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var currentPath: [CodingKey] { codingPath + [DynamicKey(intValue: currentIndex)] }

    private mutating func next() throws -> JSON {
        guard !isAtEnd else {
            throw JSONDecodeError(path: JSONDecodeError.render(currentPath), reason: "array has too few elements")
        }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let path = currentPath
        return try Scalar.decode(type, from: try next(), at: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let path = currentPath
        return try ValueDecoder(value: try next(), codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let path = currentPath
        return try ValueDecoder(value: try next(), codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> Decoder {
        let path = currentPath
        return ValueDecoder(value: try next(), codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let value: JSON
    let codingPath: [CodingKey]

    func decodeNil() -> Bool { value.isNull }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try Scalar.decode(type, from: value, at: codingPath)
    }
}
