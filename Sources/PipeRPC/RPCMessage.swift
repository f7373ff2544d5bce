import PipeJSON

/// One JSON-RPC message as the peer sent it, classified.
enum IncomingMessage: Sendable {
    /// A call that wants a reply. `id` is the peer's id, echoed exactly
    /// (a string, a number or null).
    case request(id: JSON, method: String, params: JSON?)
    /// A call without an id: never answered.
    case notification(method: String, params: JSON?)
    /// A reply to a request of ours; the bridge sends none, so these are dropped.
    case response
    /// Not a valid request; answered with this error and the id when one could be read.
    case invalid(id: JSON, error: RPCError)

    init(_ value: JSON) {
        guard case .object(let object) = value else {
            self = .invalid(
                id: .null, error: .invalidRequest("expected a request object, got \(value.kindDescription)"))
            return
        }
        let id = object["id"]
        if let id {
            switch id {
            case .string, .integer, .double, .null: break
            default:
                self = .invalid(
                    id: .null,
                    error: .invalidRequest("\"id\" must be a string, a number or null, got \(id.kindDescription)"))
                return
            }
        }
        let replyID = id ?? .null
        guard object["jsonrpc"] == .string("2.0") else {
            self = .invalid(id: replyID, error: .invalidRequest("\"jsonrpc\" must be exactly \"2.0\""))
            return
        }
        guard let methodValue = object["method"] else {
            if object["result"] != nil || object["error"] != nil {
                self = .response
            } else {
                self = .invalid(id: replyID, error: .invalidRequest("missing \"method\""))
            }
            return
        }
        guard case .string(let method) = methodValue else {
            self = .invalid(
                id: replyID, error: .invalidRequest("\"method\" must be a string, got \(methodValue.kindDescription)"))
            return
        }
        let params = object["params"]
        if let params {
            switch params {
            case .object, .array: break
            default:
                self = .invalid(
                    id: replyID,
                    error: .invalidRequest("\"params\" must be an object or an array, got \(params.kindDescription)"))
                return
            }
        }
        if let id {
            self = .request(id: id, method: method, params: params)
        } else {
            self = .notification(method: method, params: params)
        }
    }
}

/// Builds the JSON text of outgoing messages directly, without an intermediate tree.
enum OutgoingMessage {
    static func success(id: JSON, result: JSON) -> [UInt8] {
        var bytes = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        id.write(to: &bytes)
        bytes.append(contentsOf: #","result":"#.utf8)
        result.write(to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    static func failure(id: JSON, error: RPCError) -> [UInt8] {
        var bytes = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        id.write(to: &bytes)
        bytes.append(contentsOf: #","error":"#.utf8)
        error.json.write(to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    static func notification(method: String, params: JSON) -> [UInt8] {
        var bytes = Array(#"{"jsonrpc":"2.0","method":"#.utf8)
        JSONWriter.writeString(method, to: &bytes)
        bytes.append(contentsOf: #","params":"#.utf8)
        params.write(to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// A batch reply: the members' texts joined into one array.
    static func batch(_ members: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (position, member) in members.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: member)
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }
}

/// Frames message bodies for the wire.
enum FrameEncoder {
    static func frame(_ body: [UInt8], style: FramingStyle) -> [UInt8] {
        switch style {
        case .lines:
            var framed = body
            framed.append(UInt8(ascii: "\n"))
            return framed
        case .contentLength:
            var framed: [UInt8] = []
            framed.reserveCapacity(body.count + 32)
            framed.append(contentsOf: "Content-Length: ".utf8)
            JSONWriter.writeInteger(Int64(body.count), to: &framed)
            framed.append(contentsOf: "\r\n\r\n".utf8)
            framed.append(contentsOf: body)
            return framed
        }
    }
}
