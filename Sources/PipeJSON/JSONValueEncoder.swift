/// Encodes `Encodable` Swift types into `JSON` values. Object members come
/// out in the order the type encodes them (declaration order for synthesized
/// conformances); `nil` optionals are left out unless encoded explicitly.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws(JSONEncodeError) -> JSON {
        if let direct = value as? JSON { return direct }
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

/// A value under construction. Containers hand out child nodes and the tree is
/// folded into `JSON` once encoding is done.
private final class EncodingNode {
    enum State {
        case empty
        case single(JSON)
        case object([(String, EncodingNode)])
        case array([EncodingNode])
    }

    var state: State = .empty

    var value: JSON {
        switch state {
        case .empty: return .object(JSONObject())
        case .single(let value): return value
        case .object(let members):
            var object = JSONObject()
            for (key, node) in members { object[key] = node.value }
            return .object(object)
        case .array(let nodes): return .array(nodes.map(\.value))
        }
    }

    func member(_ key: String) -> EncodingNode {
        let child = EncodingNode()
        if case .object(var members) = state {
            state = .empty
            members.append((key, child))
            state = .object(members)
        } else {
            state = .object([(key, child)])
        }
        return child
    }

    func element() -> EncodingNode {
        let child = EncodingNode()
        if case .array(var nodes) = state {
            state = .empty
            nodes.append(child)
            state = .array(nodes)
        } else {
            state = .array([child])
        }
        return child
    }

    func startObject() { if case .object = state {} else { state = .object([]) } }
    func startArray() { if case .array = state {} else { state = .array([]) } }
    var elementCount: Int { if case .array(let nodes) = state { nodes.count } else { 0 } }
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
    static func encode<T: Encodable>(_ value: T, into node: EncodingNode, at path: [CodingKey]) throws {
        if T.self == String.self {
            node.state = .single(.string(value as! String))
        } else if T.self == Int.self {
            node.state = .single(.integer(Int64(value as! Int)))
        } else if T.self == Bool.self {
            node.state = .single(.bool(value as! Bool))
        } else if T.self == JSON.self {
            node.state = .single(value as! JSON)
        } else if T.self == Double.self {
            node.state = .single(try real(value as! Double, at: path))
        } else if T.self == Int64.self {
            node.state = .single(.integer(value as! Int64))
        } else if T.self == Float.self {
            node.state = .single(try real(Double(value as! Float), at: path))
        } else if let integer = value as? any FixedWidthInteger {
            guard let exact = Int64(exactly: integer) else {
                throw JSONEncodeError(
                    path: JSONDecodeError.render(path), reason: "\(integer) does not fit in a signed 64-bit integer")
            }
            node.state = .single(.integer(exact))
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
        node.member(key.stringValue).state = .single(.null)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try Scalar.encode(value, into: node.member(key.stringValue), at: codingPath + [key])
    }

    // The common scalars skip the generic path (and its coding-path array).
    mutating func encode(_ value: String, forKey key: Key) throws {
        node.member(key.stringValue).state = .single(.string(value))
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        node.member(key.stringValue).state = .single(.bool(value))
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        node.member(key.stringValue).state = .single(.integer(Int64(value)))
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

    mutating func encodeNil() throws { node.element().state = .single(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        try Scalar.encode(value, into: node.element(), at: path)
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
