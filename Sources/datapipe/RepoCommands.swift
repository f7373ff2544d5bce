import ArgumentParser
import Foundation
import PipeJSON

/// `datapipe list remote|local`: the repo's pipes, or the non-empty pipe
/// folders of the file repo (d6tpipe's `list_local_pipes`).
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List pipes: remote (in the repo) or local (with files).")

    enum Where: String, ExpressibleByArgument { case remote, local }

    @OptionGroup var session: SessionOptions
    @Argument var place: Where

    func run() async throws {
        switch place {
        case .remote:
            try await session.run("pipes.list")
        case .local:
            try await session.run("session.info") { info in
                let repo = info["filerepo"]?.stringValue ?? ""
                let folders = (try? FileManager.default.contentsOfDirectory(atPath: repo)) ?? []
                let nonEmpty = folders.sorted().filter { name in
                    let contents = (try? FileManager.default.contentsOfDirectory(atPath: repo + "/" + name)) ?? []
                    return !contents.isEmpty
                }
                return .array(nonEmpty.map(JSON.string))
            }
        }
    }
}

/// `datapipe scan remote|local --pipe X`: a pipe's files with attributes.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "List a pipe's files with attributes.")

    @OptionGroup var session: SessionOptions
    @Argument var place: ListCommand.Where
    @Option(help: "The pipe.") var pipe: String
    @Flag(help: "Ignore the cached remote listing.") var noCache = false

    func run() async throws {
        var params: JSONObject = ["pipe": .string(pipe), "attributes": true]
        if place == .remote, noCache { params["cached"] = false }
        try await session.run(place == .remote ? "pipe.scan_remote" : "pipe.scan_local", params)
    }
}

/// `datapipe create --pipe X --protocol P --remotepath R`: defines (or updates) a pipe.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create or update a pipe.")

    @OptionGroup var session: SessionOptions
    @Option(help: "The pipe's name.") var pipe: String
    @Option(name: .customLong("protocol"), help: "file, s3, sftp or ftp.") var protocolName = "file"
    @Option(help: "Where the remote files live (a folder, or s3://bucket/prefix/).") var remotepath: String?
    @Option(help: "Host[:port] (sftp, ftp) or bucket (s3).") var location: String?

    func run() async throws {
        var settings: JSONObject = ["name": .string(pipe), "protocol": .string(protocolName)]
        if let location { settings["location"] = .string(location) }
        if let remotepath { settings["options"] = ["remotepath": .string(remotepath)] }
        try await session.run("pipes.upsert", ["settings": .object(settings)])
    }
}

/// `datapipe profiles list`.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles", abstract: "Profiles of the config file.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Profile names.")
        @OptionGroup var session: SessionOptions
        func run() async throws { try await session.run("profiles.list") }
    }
}

/// `datapipe token set --token T` / `datapipe token get`: the profile's repo API token.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "The profile's repo API token.", subcommands: [Set.self, Get.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Store a token in the profile.")
        @OptionGroup var session: SessionOptions
        @Option(help: "The token.") var token: String
        func run() async throws {
            try await session.run("config.update", ["changes": ["token": .string(token)]]) { _ in ["stored": true] }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Print the profile's token.")
        @OptionGroup var session: SessionOptions
        func run() async throws {
            try await session.run("config.load", ["reveal": true]) { profile in ["token": profile["token"] ?? .null] }
        }
    }
}
