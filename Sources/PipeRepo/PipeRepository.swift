import PipeCore
import PipeJSON

/// The repo API a bridge session talks to: pipe settings in the profile's
/// database (`LocalRepo`) or on a `datapipe serve` server (`ServerRepo`).
public protocol PipeRepository: Sendable {
    /// Every pipe the caller may see, sorted by name.
    func all() async throws -> [PipeSettings]
    /// One pipe's settings; nil when there is no such pipe.
    func get(_ name: String) async throws -> PipeSettings?
    /// Creates the pipe, or merges `values` into it (d6tpipe's `upsert_pipe`).
    func upsert(_ values: JSONObject) async throws -> (settings: PipeSettings, created: Bool)
    /// Removes the pipe; false when there was none.
    func delete(_ name: String) async throws -> Bool
    /// `settings` with the credentials a transfer needs merged in (server
    /// mode fetches them per role; local settings already hold them).
    func withCredentials(_ settings: PipeSettings) async throws -> PipeSettings
}

extension LocalRepo: PipeRepository {
    public func withCredentials(_ settings: PipeSettings) async throws -> PipeSettings { settings }
}
