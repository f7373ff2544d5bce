import ArgumentParser
import PipeBridge

@main
struct Datapipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datapipe",
        abstract: "Move data files between people and machines through named pipes.",
        version: BridgeEnvironment.version,
        subcommands: [
            RPCCommand.self, PullCommand.self, PushCommand.self, ListCommand.self, ScanCommand.self, CreateCommand.self,
            ProfilesCommand.self, TokenCommand.self, ServeCommand.self, BenchHelloCommand.self,
        ]
    )
}
