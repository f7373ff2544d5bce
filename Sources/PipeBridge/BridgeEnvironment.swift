import Foundation
import PipeJSON

/// What every session of one bridge process shares: where the config lives,
/// which profile is active, and the secret TCP peers must present.
public struct BridgeEnvironment: Sendable {
    public static let version = "0.1.0"

    public var configFile: String
    public var profile: String
    /// The token TCP connections authenticate with; nil when auth is off.
    public var connectionToken: String?

    public init(configFile: String, profile: String, connectionToken: String? = nil) {
        self.configFile = configFile
        self.profile = profile
        self.connectionToken = connectionToken
    }

    /// `--config`, else `DATAPIPE_CONFIG`, else `~/.datapipe/cfg.json`.
    public static func defaultConfigFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String
    {
        if let path = environment["DATAPIPE_CONFIG"], !path.isEmpty { return path }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.datapipe/cfg.json"
    }

    /// `--profile`, else `DATAPIPE_PROFILE`, else `default`.
    public static func defaultProfile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let name = environment["DATAPIPE_PROFILE"], !name.isEmpty { return name }
        return "default"
    }

}
