import PipeJSON
import PipeRPC

/// `session.authenticate`: a TCP connection proves it holds the bridge's token.
public enum SessionAuthenticate: BridgeMethod {
    public static let name = "session.authenticate"
    public static let params: [ParamSpec] = [.required("token")]

    public struct Params: Decodable, Sendable {
        public var token: String
    }

    public struct Result: Codable, Sendable, Equatable {
        public var ok: Bool
    }

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result {
        let session = context.session
        guard let expected = session.environment.connectionToken else {
            return Result(ok: true)  // auth is off (--no-auth, stdio, Unix socket)
        }
        guard constantTimeEquals(Array(params.token.utf8), Array(expected.utf8)) else {
            throw BridgeError(.authRequired, "the token does not match the one in the bridge's token file")
        }
        session.markAuthenticated()
        return Result(ok: true)
    }

    /// Compares without an early exit, so timing does not reveal a prefix.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for position in 0..<max(a.count, b.count) {
            let left = position < a.count ? a[position] : 0
            let right = position < b.count ? b[position] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
