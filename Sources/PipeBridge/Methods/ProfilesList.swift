import PipeRPC

/// `profiles.list`: the profile names in the session's config file.
public enum ProfilesList: BridgeMethod {
    public typealias Result = [String]
    public static let name = "profiles.list"
    public typealias Params = NoParams

    public static func handle(_ params: Params, _ context: BridgeContext) async throws -> [String] {
        try context.session.config.profileNames()
    }
}
