import PipeCore
import PipeJSON
import PipeRPC
import PipeRemotes

// The one place where core errors become wire errors: each conforms to
// `RPCErrorConvertible` through the BridgeError it stands for.

extension SyncError: RPCErrorConvertible {
    public var rpcError: RPCError { bridgeError.rpcError }

    var bridgeError: BridgeError {
        switch self {
        case .conflict(let files):
            BridgeError(.conflict, description, facts: ["files": .array(files.map(JSON.string))])
        case .notSynced(let files):
            BridgeError(.notSynced, description, facts: ["files": .array(files.map(JSON.string))])
        case .readOnly(let pipe):
            BridgeError(.permissionDenied, description, facts: ["pipe": .string(pipe)])
        case .filesNotFound(let files):
            BridgeError(.notFound, description, facts: ["files": .array(files.map(JSON.string))])
        case .confirmationRequired:
            BridgeError(.confirmationRequired, description)
        case .transfersFailed(let failed, let first):
            BridgeError(
                .remoteError, description, facts: first.facts.merging(["files": .array(failed.map(JSON.string))]))
        case .remote(let error):
            error.bridgeError
        case .local(let error):
            error.bridgeError
        case .invalidRequest(let reason):
            BridgeError(.invalidSettings, reason)
        }
    }
}

extension RemoteError: RPCErrorConvertible {
    public var rpcError: RPCError { bridgeError.rpcError }

    var bridgeError: BridgeError { BridgeError(.remoteError, description, facts: facts) }

    var facts: JSONObject {
        var facts: JSONObject = [
            "protocol": .string(protocolName), "location": .string(location), "reason": .string(reason),
            "kind": .string(kind.rawValue),
        ]
        if let file { facts["file"] = .string(file) }
        return facts
    }
}

extension FileSystemError: RPCErrorConvertible {
    public var rpcError: RPCError { bridgeError.rpcError }

    var bridgeError: BridgeError {
        BridgeError(
            .localError, "local file system: \(description)", facts: ["path": .string(path), "reason": .string(reason)])
    }
}

extension SettingsError: RPCErrorConvertible {
    public var rpcError: RPCError {
        BridgeError(.invalidSettings, description, facts: ["field": .string(field)]).rpcError
    }
}

extension ConfigError: RPCErrorConvertible {
    public var rpcError: RPCError {
        BridgeError(.invalidSettings, description, facts: ["config_file": .string(file)]).rpcError
    }
}

extension JSONObject {
    func merging(_ other: JSONObject) -> JSONObject {
        var merged = self
        for (key, value) in other { merged[key] = value }
        return merged
    }
}
