import Chain

/// Why the development faucet could not pay.
public enum FaucetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The faucet exists only where the premine's secret is public.
    case notDevelopmentNetwork(String)
    case badAmount(String)
    /// The node's view (main chain and memory pool) has no premine output left to spend.
    case noPremineOutput
    case insufficientPremine(available: Amount, needed: Amount)
    /// Every attempt lost its premine output to another payment in the memory pool.
    case conflict(String)

    public var description: String {
        switch self {
        case .notDevelopmentNetwork(let name):
            "the faucet pays only on the development network; this node runs '\(name)': mine to fund the wallet"
        case .badAmount(let text): "'\(text)' is not a positive amount of Zencoin (up to 8 decimals)"
        case .noPremineOutput:
            "the node's chain and memory pool offer no unspent premine output; wait for its chain to sync or mine"
        case .insufficientPremine(let available, let needed):
            "the premine holds \(available) spendable, \(needed) needed (amount and fee)"
        case .conflict(let reason):
            "another payment spent the premine output first (\(reason)); try again"
        }
    }
}

/// Pays coins from the development premine, whose secret is the public
/// `ChainParameters.developmentPremineSecret`: the amount to the given address, the change back to the premine
/// address, the fee `Wallet.fee`. It spends only premine outputs the memory pool leaves unspent (the pool's own
/// change included), so repeated payments, from one node or several, chain instead of spending a coin twice.
public struct DevelopmentFaucet: Sendable {
    public let network: NetworkParameters
    private let key: PrivateKey

    /// The faucet of `network`; refused on any network but development.
    public init(network: NetworkParameters) throws(FaucetError) {
        guard network.name == NetworkParameters.development.name else {
            throw .notDevelopmentNetwork(network.name)
        }
        do {
            key = try PrivateKey(
                secret: ChainParameters.developmentPremineSecret,
                publicKey: network.chain.premineKey
            )
        } catch {
            preconditionFailure("the development premine secret does not match its public key: \(error)")
        }
        self.network = network
    }

    /// The premine's address: where the faucet's change goes.
    public var address: Address { Address(publicKey: key.publicKey) }

    /// The ledger as the memory pool sees it: `state` with the pool's transactions applied in order. Those that
    /// no longer apply (already in a block read after the pool) are skipped.
    public static func poolView(state: ChainState, mempool: [Transaction]) -> ChainState {
        var view = state
        for transaction in mempool { _ = try? view.applyUnconfirmed(transaction) }
        return view
    }

    /// Premine outputs `view` can spend in its next block, largest first.
    public func spendable(in view: ChainState) -> [(OutPoint, TransactionOutput)] {
        let nextHeight = UInt32(view.height + 1)
        let maturity = network.chain.coinbaseMaturity
        return view.unspent.compactMap { outpoint, unspent -> (OutPoint, TransactionOutput)? in
            guard case .address(let owner) = unspent.output.lock, owner == address else { return nil }
            let mature = !unspent.isCoinbase || unspent.height == 0 || nextHeight >= unspent.height + maturity
            return mature ? (outpoint, unspent.output) : nil
        }.sorted { ($0.1.amount, $0.0.transaction.description) > ($1.1.amount, $1.0.transaction.description) }
    }

    /// A signed payment of `amount` to `destination` from the premine outputs `view` leaves unspent.
    public func payment(_ amount: Amount, to destination: Address, in view: ChainState) throws(FaucetError)
        -> Transaction
    {
        guard amount.units > 0 else { throw .badAmount(amount.description) }
        let coins = spendable(in: view)
        guard !coins.isEmpty else { throw .noPremineOutput }
        let needed = amount + Wallet.fee
        var chosen: [(OutPoint, PrivateKey)] = []
        var total = Amount(units: 0)
        for (outpoint, output) in coins where total < needed {
            chosen.append((outpoint, key))
            total = total + output.amount
        }
        guard total >= needed else { throw .insufficientPremine(available: total, needed: needed) }
        var outputs = [TransactionOutput(amount: amount, lock: .address(destination))]
        if total > needed { outputs.append(TransactionOutput(amount: total - needed, lock: .address(address))) }
        do {
            return try Transaction.signedTransfer(spending: chosen, to: outputs)
        } catch {
            preconditionFailure("the premine key cannot sign: \(error)")
        }
    }

    /// Builds a payment from the node's current view and submits it to the memory pool and the network. When a
    /// concurrent payment takes the chosen output first, it builds again from the new view, a few times.
    public func pay(_ amount: Amount, to destination: Address, through service: ChainService) throws -> Transaction {
        var lastConflict = ""
        for _ in 0..<4 {
            // The pool first: a block arriving in between then shows in the state, and its transactions,
            // still listed in the pool copy, no longer apply and are skipped.
            let mempool = service.manager.mempool
            let view = Self.poolView(state: service.manager.state, mempool: mempool)
            let transaction = try payment(amount, to: destination, in: view)
            do {
                try service.submit(transaction)
                return transaction
            } catch .invalid(.missingInput(let outpoint)) {
                lastConflict = "input \(outpoint)"
            }
        }
        throw FaucetError.conflict(lastConflict)
    }
}
