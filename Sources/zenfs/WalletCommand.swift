import ArgumentParser
import Chain
import Foundation
import Node

/// `zenfs wallet new|address|balance|send|history|faucet`: Zencoin keys kept in the data directory.
struct WalletCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet",
        abstract: "Zencoin keys, balance and payments (wallet.json, mode 0600).",
        subcommands: [New.self, AddressList.self, Balance.self, Send.self, History.self, Faucet.self]
    )

    static func open(_ global: GlobalOptions) throws -> Wallet {
        try Wallet.open(dataDirectory: DataDirectory.resolvePath(explicit: global.dataDirectory), network: .development)
    }

    static func addresses(_ wallet: Wallet) throws -> [String] {
        try wallet.keys().map { Address(publicKey: $0.publicKey).description }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new key; prints its address.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            var wallet = try WalletCommand.open(global)
            print(try wallet.newKey())
        }
    }

    struct AddressList: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "address",
            abstract: "Print the wallet's addresses (the first receives mining rewards)."
        )
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let addresses = try WalletCommand.addresses(try WalletCommand.open(global))
            if global.json { return try Output.json(addresses) }
            for address in addresses { print(address) }
        }
    }

    struct Balance: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Coins at the wallet's addresses (or at --address) on the node's main chain."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Any address, instead of the wallet's.") var address: String?

        func run() throws {
            let addresses = try address.map { [$0] } ?? WalletCommand.addresses(try WalletCommand.open(global))
            let coins = try nodeClient(global).send(.unspent(addresses: addresses)).coins ?? []
            let total = Amount(units: coins.reduce(0) { $0 + $1.units })
            let spendable = Amount(units: coins.filter(\.mature).reduce(0) { $0 + $1.units })
            if global.json {
                struct Shown: Encodable {
                    let balance: String; let spendable: String; let units: Int64; let outputs: Int
                }
                return try Output.json(
                    Shown(
                        balance: total.description,
                        spendable: spendable.description,
                        units: total.units,
                        outputs: coins.count
                    )
                )
            }
            print("\(total) ZEN (\(spendable) spendable now) in \(coins.count) outputs")
        }
    }

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pay ADDRESS an AMOUNT of Zencoin (8 decimals); the fee is 0.0001."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The address to pay (zen…).") var destination: String
        @Argument(help: "The amount in ZEN, such as 12.5.") var amount: String

        func run() throws {
            guard let to = Address(parsing: destination) else { throw WalletError.badAddress(destination) }
            guard let value = Amount(parsing: amount), value.units > 0 else {
                throw ValidationError("'\(amount)' is not an amount of Zencoin (up to 8 decimals)")
            }
            let wallet = try WalletCommand.open(global)
            let client = try nodeClient(global)
            let coins = try client.send(.unspent(addresses: WalletCommand.addresses(wallet))).coins ?? []
            let spendable = coins.filter(\.mature).compactMap { coin -> (OutPoint, TransactionOutput)? in
                guard let id = Hex.decode(coin.transaction).flatMap(Hash256.init(bytes:)),
                    let address = Address(parsing: coin.address)
                else { return nil }
                return (
                    OutPoint(transaction: id, index: coin.index),
                    TransactionOutput(amount: Amount(units: coin.units), lock: .address(address))
                )
            }
            let transaction = try wallet.transfer(value, to: to, from: spendable)
            _ = try client.send(.submitTransaction(hex: Hex.encode(transaction.encoded)))
            if global.json {
                struct Sent: Encodable { let transaction: String }
                return try Output.json(Sent(transaction: transaction.id.description))
            }
            print(transaction.id)
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Main-chain payments to and from the wallet.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let entries =
                try nodeClient(global).send(
                    .history(addresses: WalletCommand.addresses(try WalletCommand.open(global)))
                ).history ?? []
            if global.json { return try Output.json(entries) }
            for entry in entries {
                let amount = Amount(units: entry.units)
                print("\(entry.height)\t\(entry.units >= 0 ? "+" : "")\(amount)\t\(entry.transaction)")
            }
        }
    }
}

extension WalletCommand {
    struct Faucet: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Development network only: pay AMOUNT ZEN from the premine to the wallet's first address."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The amount in ZEN, such as 12.5.") var amount: String
        @Flag(help: "Wait until the payment is in a block and spendable.") var wait = false
        @Option(help: "Seconds --wait waits at most.") var timeout: Double = 120

        func validate() throws {
            guard let value = Amount(parsing: amount), value.units > 0 else {
                throw ValidationError("'\(amount)' is not an amount of Zencoin (up to 8 decimals)")
            }
            guard timeout > 0 else { throw ValidationError("--timeout takes a positive number of seconds") }
        }

        func run() throws {
            let address = try WalletCommand.open(global).primaryAddress().description
            let client = try nodeClient(global)
            guard let sent = try client.send(.faucet(amount: amount, address: address)).transaction else {
                throw ControlError.badResponse("no transaction")
            }
            if wait { try FaucetWait(client: client, transaction: sent.id, address: address, timeout: timeout).run() }
            if global.json {
                struct Paid: Encodable { let transaction: String; let address: String; let confirmed: Bool }
                return try Output.json(Paid(transaction: sent.id, address: address, confirmed: wait))
            }
            print(sent.id)
        }
    }
}

/// Why `zenfs wallet faucet --wait` stopped waiting.
enum FaucetWaitError: Error, CustomStringConvertible {
    case notInBlock(transaction: String, seconds: Double)
    case notSpendable(transaction: String, height: Int, seconds: Double)
    case dropped(transaction: String)

    var description: String {
        switch self {
        case .notInBlock(let transaction, let seconds):
            "the faucet payment \(transaction) is not in a block after \(Int(seconds)) s: is a node of the network "
                + "mining? (zenfs node mines unless --no-mine); check with 'zenfs chain tx \(transaction)'"
        case .notSpendable(let transaction, let height, let seconds):
            "the faucet payment \(transaction) is in block \(height) but not spendable after \(Int(seconds)) s"
        case .dropped(let transaction):
            "the faucet payment \(transaction) left the memory pool without being mined (another node's faucet "
                + "payment spent the same premine output first); run the faucet again"
        }
    }
}

/// Polls the node until a faucet payment is in a main-chain block and its output to `address` is spendable.
struct FaucetWait {
    let client: ControlClient
    let transaction: String
    let address: String
    let timeout: Double

    func run() throws {
        let deadline = Date().addingTimeInterval(timeout)
        var height: Int?
        var missing = 0
        while Date() < deadline {
            let lookup = Result { () throws(ControlError) in try client.send(.chainTransaction(id: transaction)) }
            switch lookup {
            case .success(let response):
                height = response.transaction?.height
                missing = 0
            case .failure(.failed):
                // Twice in a row, so a block arriving between the pool and the block lookups is not mistaken.
                missing += 1
                if missing >= 2 { throw FaucetWaitError.dropped(transaction: transaction) }
            case .failure(let error):
                throw error
            }
            if height != nil {
                let coins = try client.send(.unspent(addresses: [address])).coins ?? []
                if coins.contains(where: { $0.transaction == transaction && $0.mature }) { return }
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        guard let height else { throw FaucetWaitError.notInBlock(transaction: transaction, seconds: timeout) }
        throw FaucetWaitError.notSpendable(transaction: transaction, height: height, seconds: timeout)
    }
}

/// `zenfs identity mine --role node|publisher`: mine an identity key for the network's target.
struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Mined identities for publishers and nodes.",
        subcommands: [Mine.self]
    )

    struct Mine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mine a key whose hash with a nonce meets the role's identity target; saved in the wallet."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "node or publisher.") var role: String

        func run() throws {
            let network = NetworkParameters.development
            let target: CompactTarget
            switch role {
            case "node": target = network.nodeIdentityTarget
            case "publisher": target = network.publisherIdentityTarget
            default: throw ValidationError("--role takes node or publisher")
            }
            let started = Date()
            let key = try PrivateKey.generate()
            guard let identity = MinedIdentity.mine(publicKey: key.publicKey, target: target) else {
                throw ValidationError("no nonce met the target")
            }
            var wallet = try WalletCommand.open(global)
            try wallet.addIdentity(role: role, key: key, identity: identity)
            let seconds = Date().timeIntervalSince(started)
            if global.json {
                struct Mined: Encodable {
                    let role: String; let publicKey: String; let nonce: UInt64; let hash: String; let seconds: Double
                }
                return try Output.json(
                    Mined(
                        role: role,
                        publicKey: key.publicKey.description,
                        nonce: identity.nonce,
                        hash: identity.hash.description,
                        seconds: seconds
                    )
                )
            }
            print(
                "\(role) identity \(key.publicKey) nonce \(identity.nonce) (hash \(identity.hash), \(String(format: "%.2f", seconds)) s)"
            )
        }
    }
}
