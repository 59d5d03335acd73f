import ArgumentParser
import Chain
import Foundation
import Node

/// Talks to the running node of the data directory.
func nodeClient(_ global: GlobalOptions) throws -> ControlClient {
    try ControlClient(dataDirectory: DataDirectory.resolvePath(explicit: global.dataDirectory))
}

/// `zenfs chain status|blocks|tx|audit`: the running node's view of the Zennet chain.
struct ChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Inspect the Zennet chain of the running node.",
        subcommands: [Status.self, Blocks.self, Tx.self, Audit.self]
    )

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Height, tip, work, memory pool, coins.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            guard let status = try nodeClient(global).send(.chainStatus).chain else {
                throw ControlError.badResponse("no chain status")
            }
            if global.json { return try Output.json(status) }
            print("network        \(status.network)")
            print("height         \(status.height)")
            print("tip            \(status.tip)")
            print("work           \(status.work)")
            print("memory pool    \(status.mempool) transactions")
            print("announcements  \(status.liveAnnouncements) live")
            print("coins          \(status.coins) ZEN")
            print("mined here     \(status.blocksMined) blocks")
        }
    }

    struct Blocks: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List main-chain blocks (the newest by default).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The first height to list.") var from: Int?
        @Option(help: "How many blocks.") var count = 10

        func run() throws {
            let blocks = try nodeClient(global).send(.chainBlocks(start: from, count: count)).blocks ?? []
            if global.json { return try Output.json(blocks) }
            for block in blocks {
                print("\(block.height)\t\(block.hash)\t\(block.algorithm)\t\(block.transactions) tx\t\(block.size) B")
            }
        }
    }

    struct Tx: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a transaction by id.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The transaction id (64 hexadecimal digits).") var id: String

        func run() throws {
            guard let info = try nodeClient(global).send(.chainTransaction(id: id)).transaction else {
                throw ControlError.badResponse("no transaction")
            }
            if global.json { return try Output.json(info) }
            print("id       \(info.id)")
            print("status   \(info.height.map { "in block \($0)" } ?? "in the memory pool")")
            print("kind     \(info.kind)")
            print("inputs   \(info.inputs)")
            for output in info.outputs {
                print("output   \(output.amount) ZEN → \(output.address ?? "payment channel")")
            }
        }
    }
}

extension ChainCommand {
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the unspent outputs hold exactly the premine plus every block subsidy."
        )
        @OptionGroup var global: GlobalOptions

        func run() throws {
            guard let audit = try nodeClient(global).send(.chainAudit).audit else {
                throw ControlError.badResponse("no audit")
            }
            if global.json {
                try Output.json(audit)
            } else {
                print("height         \(audit.height)")
                print("unspent        \(Amount(units: audit.unspentUnits)) ZEN (\(audit.unspentUnits) units)")
                print("premine        \(Amount(units: audit.premineUnits)) ZEN (\(audit.premineUnits) units)")
                print("subsidies      \(Amount(units: audit.subsidyUnits)) ZEN (\(audit.subsidyUnits) units)")
                print(audit.holds ? "holds" : "does not hold: \(audit.differenceUnits) units")
            }
            guard audit.holds else {
                let direction = audit.differenceUnits > 0 ? "more" : "fewer"
                Output.note(
                    "the unspent outputs hold \(abs(audit.differenceUnits)) units \(direction) than the premine and subsidies"
                )
                throw ExitCode.failure
            }
        }
    }
}

/// `zenfs peer add HOST:PORT`: dial a peer now.
struct PeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Manage the running node's peers.",
        subcommands: [Add.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Connect to a node now.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "HOST:PORT") var address: String

        func run() throws {
            _ = try nodeClient(global).send(.connect(address: address))
            print("connected to \(address)")
        }
    }
}
