/// Encodes `Encodable` Swift types into `JSON` values. Object members come
/// out in the order the type encodes them (declaration order for synthesized
/// conformances); `nil` optionals are left out unless encoded explicitly.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws(JSONEncodeError) -> JSON {
        if T.self == JSON.self { return value as! JSON }
        let root = EncodingNode()
        do {
            try value.encode(to: ValueEncoder(node: root, codingPath: []))
        } catch let error as JSONEncodeError {
            throw error
        } catch {
            throw JSONEncodeError(path: "", reason: "\(error)")
        }
        return root.value
    }
}

/// A Swift value that has no JSON form (a non-finite real, say).
public struct JSONEncodeError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// A value under construction. Scalars are stored as they are encoded;
/// nested containers get child nodes; the tree is folded into `JSON` at the end.
private final class EncodingNode {
    enum Slot {
        case value(JSON)
        case node(EncodingNode)

        var json: JSON {
            switch self {
            case .value(let value): value
            case .node(let node): node.value
            }
        }
    }

    enum State {
        case empty
        case single(JSON)
        case object([(String, Slot)])
        case array([Slot])
    }

    var state: State = .empty

    var value: JSON {
        switch state {
        case .empty: return .object(JSONObject())
        case .single(let value): return value
        case .object(let members):
            var object = JSONObject()
            for (key, slot) in members { object[key] = slot.json }
            return .object(object)
        case .array(let slots): return .array(slots.map(\.json))
        }
    }

    func member(_ key: String) -> EncodingNode {
        let child = EncodingNode()
        add(key, .node(child))
        return child
    }

    func setMember(_ key: String, _ value: JSON) { add(key, .value(value)) }

    private func add(_ key: String, _ slot: Slot) {
        if case .object(var members) = state {
            state = .empty  // keeps `members` uniquely referenced while it grows
            members.append((key, slot))
            state = .object(members)
        } else {
            state = .object([(key, slot)])
        }
    }

    func element() -> EncodingNode {
        let child = EncodingNode()
        addElement(.node(child))
        return child
    }

    func appendElement(_ value: JSON) { addElement(.value(value)) }

    private func addElement(_ slot: Slot) {
        if case .array(var slots) = state {
            state = .empty
            slots.append(slot)
            state = .array(slots)
        } else {
            state = .array([slot])
        }
    }

    func startObject() { if case .object = state {} else { state = .object([]) } }
    func startArray() { if case .array = state {} else { state = .array([]) } }
    var elementCount: Int { if case .array(let slots) = state { slots.count } else { 0 } }
}

private struct ValueEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.startObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        node.startArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleValueContainer(node: node, codingPath: codingPath)
    }
}

/// Scalar conversions shared by every container. Types are told apart by
/// metadata identity, not dynamic casts: this runs for every encoded field.
private enum Scalar {
    /// The JSON of `value` when it is a scalar (or an optional scalar), else nil.
    static func json<T: Encodable>(_ value: T, at path: @autoclosure () -> [CodingKey]) throws -> JSON? {
        if T.self == String.self { return .string(value as! String) }
        if T.self == Int.self { return .integer(Int64(value as! Int)) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == JSON.self { return (value as! JSON) }
        if T.self == Int64.self { return .integer(value as! Int64) }
        if T.self == Double.self { return try real(value as! Double, at: path()) }
        if T.self == String?.self { return (value as! String?).map(JSON.string) ?? .null }
        if T.self == Int?.self { return (value as! Int?).map { .integer(Int64($0)) } ?? .null }
        if T.self == Bool?.self { return (value as! Bool?).map(JSON.bool) ?? .null }
        if T.self == Float.self { return try real(Double(value as! Float), at: path()) }
        if T.self is any FixedWidthInteger.Type, let integer = value as? any FixedWidthInteger {
            guard let exact = Int64(exactly: integer) else {
                throw JSONEncodeError(
                    path: JSONDecodeError.render(path()), reason: "\(integer) does not fit in a signed 64-bit integer")
            }
            return .integer(exact)
        }
        return nil
    }

    /// Encodes `value` into `node`: directly when scalar, else through its `encode(to:)`.
    static func encode<T: Encodable>(_ value: T, into node: EncodingNode, at path: [CodingKey]) throws {
        if let json = try json(value, at: path) {
            node.state = .single(json)
        } else {
            try value.encode(to: ValueEncoder(node: node, codingPath: path))
        }
    }

    static func real(_ value: Double, at path: [CodingKey]) throws -> JSON {
        guard value.isFinite else {
            throw JSONEncodeError(path: JSONDecodeError.render(path), reason: "\(value) has no JSON form")
        }
        return .double(value)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        node.setMember(key.stringValue, .null)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let json = try Scalar.json(value, at: codingPath + [key]) {
            node.setMember(key.stringValue, json)
        } else {
            try value.encode(to: ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]))
        }
    }

    // The common scalars skip the generic path (and its coding-path array).
    mutating func encode(_ value: String, forKey key: Key) throws {
        node.setMember(key.stringValue, .string(value))
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        node.setMember(key.stringValue, .bool(value))
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        node.setMember(key.stringValue, .integer(Int64(value)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        ValueEncoder(node: node.member("super"), codingPath: codingPath + [DynamicKey(stringValue: "super")])
    }

    mutating func superEncoder(forKey key: Key) -> Encoder {
        ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [CodingKey]
    var count: Int { node.elementCount }

    private var nextPath: [CodingKey] { codingPath + [DynamicKey(intValue: count)] }

    mutating func encodeNil() throws { node.appendElement(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        if let json = try Scalar.json(value, at: path) {
            node.appendElement(json)
        } else {
            try value.encode(to: ValueEncoder(node: node.element(), codingPath: path))
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        let path = nextPath
        return ValueEncoder(node: node.element(), codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let path = nextPath
        return ValueEncoder(node: node.element(), codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        let path = nextPath
        return ValueEncoder(node: node.element(), codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [CodingKey]

    mutating func encodeNil() throws { node.state = .single(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try Scalar.encode(value, into: node, at: codingPath)
    }
}
