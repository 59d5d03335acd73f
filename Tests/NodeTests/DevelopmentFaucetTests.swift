import Chain
import Foundation
import Logging
import Node
import TestSupport
import Testing

struct DevelopmentFaucetTests {
    static let network = NetworkParameters.development

    static func manager(_ directory: TemporaryDirectory) throws -> ChainManager {
        try ChainManager(network: network, path: directory.path + "/chain.sqlite", logger: Logger(label: "test"))
    }

    static func mine(_ manager: ChainManager, time: inout UInt64, payee: Address) throws -> Block {
        time += 10
        var block = manager.template(algorithm: .sha256d, payee: payee, now: time)
        block.header = Miner.solve(block.header)!
        #expect(try manager.submit(block, now: time) == .accepted(newTip: true))
        return block
    }

    /// The units paying `address` in the ledger.
    static func balance(_ state: ChainState, _ address: Address) -> Int64 {
        state.unspent.values.reduce(0) { total, unspent in
            guard case .address(let owner) = unspent.output.lock, owner == address else { return total }
            return total + unspent.output.amount.units
        }
    }

    /// A wallet holds only its own key, on the development network too: it owns nothing of the premine.
    @Test func aFreshWalletHoldsOnlyItsOwnKey() throws {
        let directory = TemporaryDirectory()
        let wallet = try Wallet.open(dataDirectory: directory.path + "/wallet", network: Self.network)
        let keys = try wallet.keys()
        #expect(keys.count == 1)
        #expect(keys[0].publicKey != Self.network.chain.premineKey)
        let faucet = try DevelopmentFaucet(network: Self.network)
        #expect(try wallet.primaryAddress() != faucet.address)
        let manager = try Self.manager(directory)
        #expect(Self.balance(manager.state, try wallet.primaryAddress()) == 0)
    }

    /// The faucet exists only on the development network; elsewhere it is refused with the network's name.
    @Test(arguments: [NetworkParameters.testnet, NetworkParameters.regtest])
    func theFaucetIsRefusedOnOtherNetworks(network: NetworkParameters) throws {
        #expect(throws: FaucetError.notDevelopmentNetwork(network.name)) { try DevelopmentFaucet(network: network) }
        let message = FaucetError.notDevelopmentNetwork(network.name).description
        #expect(message.contains("development network") && message.contains(network.name))
    }

    /// Two payments in a row: the second spends the first's change in the memory pool rather than the premine
    /// output the first already spends; both are mined, each recipient gets its amount to the unit, the premine
    /// keeps the rest less two fees, and the miner gets the subsidy plus both fees.
    @Test func repeatedPaymentsChainThroughThePoolAndPayExactly() throws {
        let directory = TemporaryDirectory()
        let manager = try Self.manager(directory)
        let faucet = try DevelopmentFaucet(network: Self.network)
        let first = Address(publicKey: try PrivateKey.generate().publicKey)
        let second = Address(publicKey: try PrivateKey.generate().publicKey)
        let miner = Address(publicKey: try PrivateKey.generate().publicKey)

        let view = { DevelopmentFaucet.poolView(state: manager.state, mempool: manager.mempool) }
        let pay1 = try faucet.payment(.coins(25), to: first, in: view())
        #expect(try manager.submitTransaction(pay1))
        let pay2 = try faucet.payment(Amount(units: 750_000_001), to: second, in: view())
        #expect(pay2.inputs.map(\.previous) == [OutPoint(transaction: pay1.id, index: 1)])
        #expect(try manager.submitTransaction(pay2))
        // Built from the chain alone, the same payment would spend the genesis output a second time.
        let stale = try faucet.payment(.coins(1), to: second, in: manager.state)
        #expect(throws: ChainError.self) { try manager.submitTransaction(stale) }

        var time = Self.network.chain.genesisTime
        let block = try Self.mine(manager, time: &time, payee: miner)
        #expect(block.transactions.contains(pay1) && block.transactions.contains(pay2))
        let state = manager.state
        #expect(Self.balance(state, first) == 2_500_000_000)
        #expect(Self.balance(state, second) == 750_000_001)
        #expect(
            Self.balance(state, faucet.address)
                == Self.network.chain.premine.units - 2_500_000_000 - 750_000_001 - 2 * Wallet.fee.units
        )
        #expect(Self.balance(state, miner) == Self.network.chain.reward(atHeight: 1).units + 2 * Wallet.fee.units)
        #expect(ChainAudit(of: state).holds)
    }

    /// A pool copy read before a block that confirmed its transactions: they no longer apply and are skipped,
    /// so the view is the chain's and the next payment spends the confirmed change.
    @Test func aPoolViewSkipsTransactionsAlreadyMined() throws {
        let directory = TemporaryDirectory()
        let manager = try Self.manager(directory)
        let faucet = try DevelopmentFaucet(network: Self.network)
        let recipient = Address(publicKey: try PrivateKey.generate().publicKey)
        let payment = try faucet.payment(
            .coins(3),
            to: recipient,
            in: DevelopmentFaucet.poolView(state: manager.state, mempool: manager.mempool)
        )
        #expect(try manager.submitTransaction(payment))
        let stalePool = manager.mempool
        var time = Self.network.chain.genesisTime
        _ = try Self.mine(manager, time: &time, payee: recipient)
        let view = DevelopmentFaucet.poolView(state: manager.state, mempool: stalePool)
        #expect(faucet.spendable(in: view).map(\.0) == [OutPoint(transaction: payment.id, index: 1)])
        let next = try faucet.payment(.coins(4), to: recipient, in: view)
        #expect(try manager.submitTransaction(next))
    }

    /// Once the premine is spent whole, the faucet says so instead of building an invalid payment; asking for
    /// more than it holds names both amounts.
    @Test func anEmptyOrSmallPremineIsReported() throws {
        let directory = TemporaryDirectory()
        let manager = try Self.manager(directory)
        let faucet = try DevelopmentFaucet(network: Self.network)
        let recipient = Address(publicKey: try PrivateKey.generate().publicKey)
        let everything = Self.network.chain.premine - Wallet.fee
        let tooMuch = Self.network.chain.premine
        #expect(
            throws: FaucetError.insufficientPremine(available: Self.network.chain.premine, needed: tooMuch + Wallet.fee)
        ) {
            try faucet.payment(tooMuch, to: recipient, in: manager.state)
        }
        let all = try faucet.payment(everything, to: recipient, in: manager.state)
        #expect(all.outputs.count == 1)
        #expect(try manager.submitTransaction(all))
        let view = DevelopmentFaucet.poolView(state: manager.state, mempool: manager.mempool)
        #expect(throws: FaucetError.noPremineOutput) { try faucet.payment(.coins(1), to: recipient, in: view) }
        #expect(throws: FaucetError.badAmount(Amount(units: 0).description)) {
            try faucet.payment(Amount(units: 0), to: recipient, in: manager.state)
        }
    }
}
