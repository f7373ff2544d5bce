/// The members of a JSON object, in the order they were read or added.
///
/// A later `set` of an existing key replaces the value in place. Lookups scan
/// small objects and use a hash index once an object grows past a few members.
public struct JSONObject: Sendable {
    public private(set) var keys: [String] = []
    public private(set) var values: [JSON] = []
    private var index: [String: Int]? = nil

    private static let indexThreshold = 16

    public init() {}

    public init(_ members: some Sequence<(String, JSON)>) {
        for (key, value) in members { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> JSON? {
        get { position(of: key).map { values[$0] } }
        set {
            if let at = position(of: key) {
                if let newValue {
                    values[at] = newValue
                } else {
                    removeMember(at: at)
                }
            } else if let newValue {
                append(key, newValue)
            }
        }
    }

    /// Adds a member without checking for an existing key: for builders that
    /// know their keys are distinct (parsers of already de-duplicated input).
    public mutating func append(_ key: String, _ value: JSON) {
        keys.append(key)
        values.append(value)
        if index != nil {
            index![key] = keys.count - 1
        } else if keys.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return keys.firstIndex(of: key)
    }

    private mutating func removeMember(at position: Int) {
        keys.remove(at: position)
        values.remove(at: position)
        if index != nil { rebuildIndex() }
    }

    private mutating func rebuildIndex() {
        var built = [String: Int](minimumCapacity: keys.count)
        for (position, key) in keys.enumerated() { built[key] = position }
        index = built
    }
}

extension JSONObject {
    /// The members for which `isIncluded` holds, in order.
    public func filter(_ isIncluded: ((key: String, value: JSON)) -> Bool) -> JSONObject {
        var kept = JSONObject()
        for member in self where isIncluded(member) { kept.append(member.key, member.value) }
        return kept
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSON)> {
        zip(keys, values).lazy.map { (key: $0.0, value: $0.1) }.makeIterator()
    }
}

extension JSONObject: Equatable {
    /// Two objects are equal when they hold the same members, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in zip(lhs.keys, lhs.values) where rhs[key] != value {
            return false
        }
        return true
    }
}

extension JSONObject: Hashable {
    public func hash(into hasher: inout Hasher) {
        // Order-independent, to agree with ==.
        var combined = 0
        for (key, value) in zip(keys, values) {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(elements)
    }
}
