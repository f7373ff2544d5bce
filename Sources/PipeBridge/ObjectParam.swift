import PipeJSON
import PipeRPC

extension JSON {
    /// This param as an object, or -32602 naming it.
    func objectParam(_ name: String) throws -> JSONObject {
        guard case .object(let object) = self else {
            throw RPCError.invalidParams("\(name): expected an object, got \(kindDescription)", path: name)
        }
        return object
    }
}
