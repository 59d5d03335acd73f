import Chain
import Foundation
import Node
import Testing

struct ChainAuditTests {
    static let miner = Address(publicKey: try! PrivateKey.generate().publicKey)

    /// Regtest's chain with a halving every two blocks, so a short chain crosses several eras.
    static let parameters = ChainParameters(
        powLimit: ChainParameters.regtest.powLimit,
        blockSpacing: 4,
        retargetWindow: 4,
        blockReward: .coins(50),
        halvingInterval: 2,
        coinbaseMaturity: 2,
        maximumBlockSize: 1 << 20,
        maximumAnnouncementSize: 512,
        maximumAnnouncementTimeout: 1000,
        taskTarget: ChainParameters.regtest.taskTarget,
        acceptanceTarget: ChainParameters.regtest.acceptanceTarget,
        maximumFutureSeconds: 7200,
        medianTimeSpan: 11,
        premine: .coins(1000),
        premineKey: ChainParameters.development.premineKey,
        genesisTime: 1_000_000
    )
    static let network = NetworkParameters(
        name: "audit",
        nodeIdentityTarget: NetworkParameters.regtest.nodeIdentityTarget,
        publisherIdentityTarget: NetworkParameters.regtest.publisherIdentityTarget,
        chain: parameters
    )

    /// A block on `state`'s tip whose coinbase pays `outputs` (the ledger rules do not look at the header's work).
    static func block(on state: ChainState, paying outputs: [TransactionOutput]) -> Block {
        let coinbase = Transaction.coinbase(height: UInt32(state.height + 1), outputs: outputs)
        let header = BlockHeader(
            previous: state.tip,
            merkleRoot: Block.merkleRoot(of: [coinbase]),
            time: parameters.genesisTime + UInt64(state.height + 1),
            bits: parameters.powLimit[.sha256d]!.bits,
            algorithm: .sha256d
        )
        return Block(header: header, transactions: [coinbase])
    }

    static func pay(_ amount: Amount) -> TransactionOutput { TransactionOutput(amount: amount, lock: .address(miner)) }

    /// Each block claims its full subsidy: the audit holds, and its subsidy sums the halving eras
    /// (50 + 25 + 25 + 12.5 + 12.5 ZEN over heights 1 to 5).
    @Test func holdsWhenEveryBlockClaimsItsSubsidy() throws {
        var state = ChainState(network: Self.network)
        #expect(ChainAudit(of: state) == ChainAudit(unspentUnits: 0, premineUnits: 0, subsidyUnits: 0, height: -1))
        _ = try state.apply(Self.parameters.genesis)
        for _ in 1...5 {
            let height = UInt32(state.height + 1)
            _ = try state.apply(Self.block(on: state, paying: [Self.pay(Self.parameters.reward(atHeight: height))]))
        }
        let audit = ChainAudit(of: state)
        #expect(audit.height == 5)
        #expect(audit.premineUnits == 100_000_000_000)
        #expect(audit.subsidyUnits == 12_500_000_000)
        #expect(audit.unspentUnits == 112_500_000_000)
        #expect(audit.differenceUnits == 0 && audit.holds)
    }

    /// A genesis block paying one unit more than the premine (the rules let the genesis pay anything): the audit
    /// reports one unit too many.
    @Test func anExtraOutputDoesNotHold() throws {
        var state = ChainState(network: Self.network)
        let premine = Self.parameters.genesis
        let coinbase = Transaction.coinbase(
            height: 0,
            outputs: premine.transactions[0].outputs + [Self.pay(Amount(units: 1))]
        )
        var header = premine.header
        header.merkleRoot = Block.merkleRoot(of: [coinbase])
        _ = try state.apply(Block(header: header, transactions: [coinbase]))
        let audit = ChainAudit(of: state)
        #expect(!audit.holds)
        #expect(audit.differenceUnits == 1)
        #expect(audit.unspentUnits == audit.premineUnits + 1)
    }

    /// A miner claiming one unit less than its subsidy burns it: the audit reports one unit missing.
    @Test func aBurnedUnitDoesNotHold() throws {
        var state = ChainState(network: Self.network)
        _ = try state.apply(Self.parameters.genesis)
        _ = try state.apply(
            Self.block(on: state, paying: [Self.pay(Self.parameters.reward(atHeight: 1) - Amount(units: 1))])
        )
        let audit = ChainAudit(of: state)
        #expect(!audit.holds)
        #expect(audit.differenceUnits == -1)
    }

    /// The audit survives its JSON form (`zenfs chain audit --json`).
    @Test func roundTripsThroughJSON() throws {
        let audit = ChainAudit(unspentUnits: 7, premineUnits: 5, subsidyUnits: 1, height: 3)
        let decoded = try JSONDecoder().decode(ChainAudit.self, from: try JSONEncoder().encode(audit))
        #expect(decoded == audit && decoded.differenceUnits == 1 && !decoded.holds)
    }
}
