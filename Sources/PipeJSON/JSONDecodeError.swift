/// A value that did not fit the Swift type it was decoded into, with the
/// path of the offending field: `settings.options.include: expected a string, got 3`.
public struct JSONDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path from the root, array positions in brackets (`files[2]`);
    /// empty for the root itself.
    public var path: String
    /// What was wrong at that path.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }

    static func typeMismatch(expected: String, got value: JSON, at path: [CodingKey]) -> JSONDecodeError {
        JSONDecodeError(path: render(path), reason: "expected \(expected), got \(value.briefDescription)")
    }

    /// Renders coding keys as `a.b[2].c`.
    static func render(_ path: [CodingKey]) -> String {
        var text = ""
        for key in path {
            if let position = key.intValue {
                text += "[\(position)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }
}

extension JSON {
    /// The value's JSON text, cut short for error messages.
    var briefDescription: String {
        let text = description
        return text.count <= 60 ? text : String(text.prefix(57)) + "..."
    }
}

/// A coding key made at run time: object member names and array positions.
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}
