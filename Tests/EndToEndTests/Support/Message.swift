import Foundation

/// One JSON-RPC message the bridge sent, kept as the exact bytes it wrote.
/// Creating one checks that the text is a JSON-RPC 2.0 message: a response
/// (exactly one of `result` and `error`, with an id), a notification (a method
/// and no id), or a non-empty batch of responses. The bridge must never write
/// anything else to its output.
struct Message: @unchecked Sendable, CustomStringConvertible {
    /// The frame body, byte for byte.
    let raw: [UInt8]
    /// The parsed value (JSONSerialization: dictionaries, arrays, NSNumber, NSNull).
    let json: Any

    init(raw: [UInt8]) throws {
        self.raw = raw
        do {
            json = try JSONSerialization.jsonObject(with: Data(raw), options: [.fragmentsAllowed])
        } catch {
            throw HarnessError("the bridge wrote a frame that is not JSON (\(error)): \(Self.preview(raw))")
        }
        try validate()
    }

    var text: String { String(decoding: raw, as: UTF8.self) }
    var description: String { Self.preview(raw) }

    static func preview(_ raw: [UInt8]) -> String {
        raw.count <= 600
            ? String(decoding: raw, as: UTF8.self)
            : String(decoding: raw.prefix(500), as: UTF8.self) + "…(\(raw.count) bytes)"
    }

    // MARK: Shape

    private func validate() throws {
        if let members = json as? [Any] {
            guard !members.isEmpty else { throw HarnessError("the bridge wrote an empty batch: \(self)") }
            guard let elements = RawJSON.elements(of: raw), elements.count == members.count else {
                throw HarnessError("cannot split the batch reply: \(self)")
            }
            for element in elements {
                let member = try Message(raw: Array(element))
                guard member.isResponse else {
                    throw HarnessError("batch member is not a response: \(member) in \(self)")
                }
            }
            return
        }
        guard let object else { throw HarnessError("the bridge wrote a JSON text that is not an object: \(self)") }
        guard object["jsonrpc"] as? String == "2.0" else { throw HarnessError("\"jsonrpc\" is not \"2.0\": \(self)") }
        if object["method"] != nil {
            guard object["method"] is String else { throw HarnessError("\"method\" is not a string: \(self)") }
            guard object["id"] == nil else {
                throw HarnessError("the bridge sent a request (it must only notify): \(self)")
            }
            guard object["result"] == nil, object["error"] == nil else {
                throw HarnessError("notification with result/error: \(self)")
            }
            if let params = object["params"] {
                guard params is [String: Any] || params is [Any] else {
                    throw HarnessError("params not structured: \(self)")
                }
            }
            return
        }
        guard object.keys.contains("id") else { throw HarnessError("response without \"id\": \(self)") }
        let id = object["id"]
        guard id is String || id is NSNull || id is NSNumber else { throw HarnessError("bad id type: \(self)") }
        switch (object["result"] != nil, object["error"] != nil) {
        case (true, false):
            break
        case (false, true):
            guard let error = object["error"] as? [String: Any] else {
                throw HarnessError("\"error\" is not an object: \(self)")
            }
            guard let code = error["code"] as? NSNumber, code.doubleValue == code.doubleValue.rounded() else {
                throw HarnessError("error code is not an integer: \(self)")
            }
            guard error["message"] is String else { throw HarnessError("error message is not a string: \(self)") }
        default:
            throw HarnessError("a response must have exactly one of result and error: \(self)")
        }
        let allowed: Set<String> = ["jsonrpc", "id", "result", "error"]
        guard Set(object.keys).isSubset(of: allowed) else { throw HarnessError("unexpected members: \(self)") }
    }

    // MARK: Accessors

    var object: [String: Any]? { json as? [String: Any] }

    /// The members of a batch reply, each with its own exact bytes.
    var batch: [Message]? {
        guard json is [Any] else { return nil }
        return RawJSON.elements(of: raw)?.compactMap { try? Message(raw: Array($0)) }
    }

    var isBatch: Bool { json is [Any] }
    var isNotification: Bool { object?["method"] != nil && object?["id"] == nil }
    var isResponse: Bool { object?.keys.contains("id") == true && object?["method"] == nil }
    var method: String? { object?["method"] as? String }
    var params: [String: Any]? { object?["params"] as? [String: Any] }

    /// The id exactly as written, e.g. `"abc"` (with quotes), `7`, `null`.
    var rawID: String? {
        guard let bytes = RawJSON.member("id", of: raw) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    var hasResult: Bool { object?["result"] != nil }
    var hasError: Bool { object?["error"] != nil }
    var result: Any? { object?["result"] }
    var resultObject: [String: Any]? { result as? [String: Any] }
    var error: [String: Any]? { object?["error"] as? [String: Any] }
    var errorCode: Int? { (error?["code"] as? NSNumber)?.intValue }
    var errorMessage: String? { error?["message"] as? String }
    var errorData: [String: Any]? { error?["data"] as? [String: Any] }
    var errorType: String? { errorData?["type"] as? String }
}

/// Just enough of a JSON scanner to cut the exact bytes of a top-level
/// object member or array element out of a (valid) JSON text.
enum RawJSON {
    /// The raw bytes of member `key` of the top-level object.
    static func member(_ key: String, of text: [UInt8]) -> ArraySlice<UInt8>? {
        text.withUnsafeBufferPointer { buffer -> Range<Int>? in
            var index = skipBlanks(buffer, 0)
            guard index < buffer.count, buffer[index] == UInt8(ascii: "{") else { return nil }
            index += 1
            while true {
                index = skipBlanks(buffer, index)
                guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else { return nil }
                let keyEnd = skipValue(buffer, index)
                let keyText = String(decoding: UnsafeBufferPointer(rebasing: buffer[index..<keyEnd]), as: UTF8.self)
                let decodedKey =
                    (try? JSONSerialization.jsonObject(with: Data(keyText.utf8), options: [.fragmentsAllowed]))
                    as? String
                index = skipBlanks(buffer, keyEnd)
                guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { return nil }
                let valueStart = skipBlanks(buffer, index + 1)
                let valueEnd = skipValue(buffer, valueStart)
                if decodedKey == key { return valueStart..<valueEnd }
                index = skipBlanks(buffer, valueEnd)
                guard index < buffer.count, buffer[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }.map { text[$0] }
    }

    /// The raw bytes of each element of the top-level array.
    static func elements(of text: [UInt8]) -> [ArraySlice<UInt8>]? {
        text.withUnsafeBufferPointer { buffer -> [Range<Int>]? in
            var index = skipBlanks(buffer, 0)
            guard index < buffer.count, buffer[index] == UInt8(ascii: "[") else { return nil }
            index = skipBlanks(buffer, index + 1)
            var ranges: [Range<Int>] = []
            if index < buffer.count, buffer[index] == UInt8(ascii: "]") { return ranges }
            while true {
                let start = skipBlanks(buffer, index)
                let end = skipValue(buffer, start)
                ranges.append(start..<end)
                index = skipBlanks(buffer, end)
                guard index < buffer.count else { return nil }
                if buffer[index] == UInt8(ascii: "]") { return ranges }
                guard buffer[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }.map { $0.map { text[$0] } }
    }

    private static func skipBlanks(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var index = start
        while index < buffer.count, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[index]) { index += 1 }
        return index
    }

    /// The end of the value starting at `start`.
    private static func skipValue(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var index = start
        var depth = 0
        var inString = false
        while index < buffer.count {
            let byte = buffer[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return index + 1 }
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return index }
                depth -= 1
                if depth == 0 { return index + 1 }
            case UInt8(ascii: ","), 0x20, 0x09, 0x0A, 0x0D:
                if depth == 0 { return index }
            default: break
            }
            index += 1
        }
        return index
    }
}
