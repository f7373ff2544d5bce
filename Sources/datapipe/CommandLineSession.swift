import ArgumentParser
import Foundation
import PipeBridge
import PipeJSON
import PipeRPC

/// `--config` and `--profile`, shared by every d6tpipe-style command.
struct SessionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Config file (default: $DATAPIPE_CONFIG or ~/.datapipe/cfg.json).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Profile (default: $DATAPIPE_PROFILE or 'default').", valueName: "name"))
    var profile: String?

    /// Runs one bridge method in-process and prints its result as JSON on
    /// stdout; progress goes to stderr as a bar when stderr is a terminal.
    /// Errors print their message (and data) on stderr and exit 1.
    func run(_ method: String, _ params: JSONObject = [:], transform: (JSON) -> JSON = { $0 }) async throws {
        let environment = BridgeEnvironment(
            configFile: config ?? BridgeEnvironment.defaultConfigFile(),
            profile: profile ?? BridgeEnvironment.defaultProfile())
        let session = BridgeSession(environment: environment, peer: .stdio)
        let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
        do {
            let result = try await BridgeMethods.registry().invoke(method, params: .object(params), session: session) {
                notification, params in
                if notification == "$/progress" { bar.show(params) }
                if notification == "$/log", let message = params["message"]?.stringValue {
                    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
                }
            }
            bar.finish()
            print(transform(result).description)
        } catch {
            bar.finish()
            let (wire, isInternal) = RPCError.from(error)
            var text = "error: " + (isInternal ? "\(error)" : wire.message)
            if let data = wire.data { text += "\n" + data.description }
            FileHandle.standardError.write(Data((text + "\n").utf8))
            throw ExitCode(1)
        }
    }
}

/// A one-line progress bar on stderr, redrawn in place.
final class ProgressBar: Sendable {
    let enabled: Bool

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func show(_ params: JSON) {
        guard enabled else { return }
        let files = params["files_done"]?.integerValue ?? 0
        let total = max(params["files_total"]?.integerValue ?? 0, 1)
        let bytes = Double(params["bytes_done"]?.integerValue ?? 0) / 1_048_576
        let bytesTotal = Double(params["bytes_total"]?.integerValue ?? 0) / 1_048_576
        let width = 30
        let filled = Int(Double(width) * Double(files) / Double(total))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let line = String(format: "\r[%@] %lld/%lld files  %.1f/%.1f MB", bar, files, total, bytes, bytesTotal)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
