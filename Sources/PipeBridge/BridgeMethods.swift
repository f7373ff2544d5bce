import PipeRPC

/// The context every bridge handler receives.
public typealias BridgeContext = RequestContext<BridgeSession>

/// A method of the bridge: an `RPCMethod` with its handler.
public protocol BridgeMethod: RPCMethod {
    static func handle(_ params: Params, _ context: BridgeContext) async throws -> Result
}

extension BridgeMethod {
    static func register(in registry: inout MethodRegistry<BridgeSession>) {
        registry.register(Self.self, handler: handle)
    }
}

/// Every method the bridge serves. The registry is built from this list, and
/// a test checks it against protocol/openrpc.json.
public enum BridgeMethods {
    public static let all: [any BridgeMethod.Type] = [
        RPCDiscover.self,
        SessionAuthenticate.self,
        SessionConfigure.self,
        SessionInfo.self,
        SessionPing.self,
        ConfigInit.self,
        ConfigLoad.self,
        ConfigUpdate.self,
        ProfilesList.self,
        ModeGet.self,
        PipesList.self,
        PipesGet.self,
        PipesUpsert.self,
        PipesDelete.self,
        PipeScanRemote.self,
        PipeScanLocal.self,
        PipeFiles.self,
        PipeFilepaths.self,
        PipePullPreview.self,
        PipePull.self,
        PipePushPreview.self,
        PipePush.self,
        PipeIsSynced.self,
        PipeSchema.self,
        PipeUpdateSettings.self,
        PipeRemoveOrphans.self,
        PipeDeleteFiles.self,
        PipeImportFiles.self,
        PipeImportDir.self,
        PipeReset.self,
        ModeSwitch.self,
        AccountRegister.self,
        AccountLogin.self,
        AccountUnregister.self,
        TokenGet.self,
        TokenSet.self,
        PermissionsSet.self,
        PermissionsList.self,
        PipeWatch.self,
        PipeCredentialsReset.self,
    ]

    /// The bridge's method table, with the authentication gate: an
    /// unauthenticated TCP peer may call `session.authenticate` and nothing else.
    public static func registry() -> MethodRegistry<BridgeSession> {
        var registry = MethodRegistry<BridgeSession>()
        for method in all { method.register(in: &registry) }
        registry.gate = { method, session in
            guard session.isAuthenticated || method == SessionAuthenticate.name else {
                throw BridgeError(
                    .authRequired, "authenticate first: call session.authenticate with the bridge's token")
            }
        }
        return registry
    }
}
