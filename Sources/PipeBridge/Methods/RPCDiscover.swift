import PipeJSON
import PipeRPC

/// `rpc.discover`: the OpenRPC document of this bridge (protocol/openrpc.json,
/// compiled into the binary).
public enum RPCDiscover: BridgeMethod {
    public static let name = "rpc.discover"
    public typealias Params = NoParams
    public typealias Result = JSON

    /// The document, parsed once.
    public static let document: JSON = {
        do {
            return try JSON.parse(PackageResources.openrpc_json)
        } catch {
            fatalError("protocol/openrpc.json compiled into the binary is not valid JSON: \(error)")
        }
    }()

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> JSON {
        document
    }
}
