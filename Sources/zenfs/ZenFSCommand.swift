import ArgumentParser

/// `zenfs`: the command line of a ZenFS node.
@main
struct ZenFSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zenfs",
        abstract: "ZenFS: content-addressed storage whose files are BitTorrent torrents.",
        subcommands: [
            AddCommand.self, GetCommand.self, ListCommand.self, ShowCommand.self, TorrentCommand.self,
            ImportCommand.self, SearchCommand.self, RemoveCommand.self, VerifyCommand.self, CollectCommand.self,
            QuotaCommand.self, MountCommand.self, UnmountCommand.self, NodeCommand.self, StatusCommand.self,
            FetchCommand.self, ChainCommand.self, WalletCommand.self, IdentityCommand.self, PeerCommand.self,
            UploadCommand.self, ContractsCommand.self, ProofsCommand.self, RepairCommand.self,
            TaskCommand.self, VMCommand.self, TubeCommand.self,
        ]
    )

    /// Runs the command the arguments name; a failure is printed as `FailureMessage` words, never as a dump.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: FailureMessage.presentable(error))
        }
    }
}
