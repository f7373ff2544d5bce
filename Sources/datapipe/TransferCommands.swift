import ArgumentParser
import PipeJSON

/// The options pull and push share, as d6tpipe's CLI spells them.
struct TransferOptions: ParsableArguments {
    @Option(help: "The pipe.")
    var pipe: String

    @Flag(help: "Only show what would move.")
    var preview = false

    @Option(help: "default, new, mod or all.")
    var mode: String?

    @Option(help: "fnmatch patterns joined by |.")
    var include: String?

    @Option(help: "fnmatch patterns joined by |.")
    var exclude: String?

    @Option(help: "Only the n newest files (negative: oldest).")
    var nrecent: Int?

    @Flag(help: "Ignore the cached remote listing.")
    var noCache = false

    var params: JSONObject {
        var params: JSONObject = ["pipe": .string(pipe)]
        if let mode { params["mode"] = .string(mode) }
        if let include { params["include"] = .string(include) }
        if let exclude { params["exclude"] = .string(exclude) }
        if let nrecent { params["nrecent"] = .integer(Int64(nrecent)) }
        if noCache { params["cached"] = false }
        return params
    }
}

struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Bring what changed remotely.")

    @OptionGroup var session: SessionOptions
    @OptionGroup var transfer: TransferOptions

    @Option(name: .customLong("merge-mode"), help: "keep or overwrite locally modified files.")
    var mergeMode: String?

    func run() async throws {
        var params = transfer.params
        if let mergeMode, !transfer.preview { params["merge_mode"] = .string(mergeMode) }
        try await session.run(transfer.preview ? "pipe.pull_preview" : "pipe.pull", params)
    }
}

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Send what changed locally.")

    @OptionGroup var session: SessionOptions
    @OptionGroup var transfer: TransferOptions

    func run() async throws {
        try await session.run(transfer.preview ? "pipe.push_preview" : "pipe.push", transfer.params)
    }
}
