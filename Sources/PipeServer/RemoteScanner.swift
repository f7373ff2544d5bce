import Foundation
import PipeCore
import PipeJSON
import PipeRemotes

/// Opens a pipe's remote from the server, with the pipe's stored
/// credentials: the scans behind the cached listings and the schedules, and
/// the copies of mirrors.
///
/// A scan is a request the server makes on a pipe owner's behalf, so it is
/// held to what the owner could reach anyway: hosts on the deny-list are
/// refused (`OutboundPolicy`), `file` pipes only below the folders the
/// operator opened (`--scan-file-root`), and nothing names a file of the
/// server's own (`private_key_path`, `options.known_hosts`).
struct RemoteScanner: Sendable {
    let policy: OutboundPolicy
    /// Folders `file` pipes may be scanned below; none: `file` pipes are not scanned.
    let fileRoots: [String]
    /// The md5 cache of `file` scans and the known SFTP host keys (first contact recorded).
    let workspace: ProfileDatabase

    /// Why a scan is refused before it starts: the setting at fault and the reason.
    struct Refusal: Error {
        var field: String
        var reason: String
    }

    /// The files below the pipe's remote folder. `values`: the pipe's
    /// resolved settings with its credentials (`{read, write}`).
    func scan(_ values: JSONObject) async throws -> [RemoteFile] {
        try await open(values, write: false).list()
    }

    /// The pipe's remote, for reading or (mirrors) writing, once the checks pass.
    func open(_ values: JSONObject, write: Bool) throws -> RemoteStore {
        var values = values
        values["name"] = .string("scan")  // the store does not depend on the name; server names allow `_`
        let settings = try PipeSettings(values)
        try check(settings)
        return try RemoteFactory.open(settings, write: write, hashes: HashCache(database: workspace))
    }

    /// A folder for the files a mirror moves through the server.
    var stagingFolder: String { workspace.path + ".staging" }

    func check(_ settings: PipeSettings) throws(Refusal) {
        switch settings.protocolName {
        case "file":
            try checkFolder(settings.remotepath)
        case "s3":
            let endpoint = settings.options["endpoint_url"]?.stringValue ?? ProcessEnvironment.value("AWS_ENDPOINT_URL")
            if let endpoint, let host = URLComponents(string: endpoint)?.host {
                try checkHost(host, field: "options.endpoint_url")
            }
        case "ftp", "sftp":
            try checkHost(Self.host(ofLocation: settings.location ?? ""), field: "location")
            let credentials = settings.credentials(write: false)
            if credentials["private_key_path"] != nil {
                throw Refusal(
                    field: "credentials.private_key_path",
                    reason: "the server does not read key files for a pipe: store the key itself as private_key")
            }
            if settings.options["known_hosts"] != nil {
                throw Refusal(
                    field: "options.known_hosts",
                    reason: "the server keeps its own known hosts: pin a key with options.host_key instead")
            }
        default:
            break
        }
    }

    private func checkHost(_ host: String, field: String) throws(Refusal) {
        if let (address, network) = policy.deniedAddress(of: host) {
            throw Refusal(
                field: field,
                reason:
                    "the server does not connect to \(host) (\(address) is in the denied network \(network); datapipe serve --deny-outbound)"
            )
        }
    }

    private func checkFolder(_ remotepath: String?) throws(Refusal) {
        guard let remotepath else { throw Refusal(field: "options.remotepath", reason: "required for file pipes") }
        let folder = URL(fileURLWithPath: Paths.expandingTilde(remotepath)).standardizedFileURL
            .resolvingSymlinksInPath()
        let allowed = fileRoots.contains { root in
            let base = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
            return folder.path == base || folder.path.hasPrefix(base.hasSuffix("/") ? base : base + "/")
        }
        guard allowed else {
            throw Refusal(
                field: "options.remotepath",
                reason:
                    "the server scans file pipes only below the folders it was started with (datapipe serve --scan-file-root)"
            )
        }
    }

    /// The host of `host[:port]` or `[v6]:port`.
    static func host(ofLocation location: String) -> String {
        if location.hasPrefix("["), let end = location.firstIndex(of: "]") {
            return String(location[location.index(after: location.startIndex)..<end])
        }
        let colons = location.filter { $0 == ":" }.count
        return colons == 1 ? String(location.prefix { $0 != ":" }) : location
    }
}
