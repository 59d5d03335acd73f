import Chain

/// A chain for tests: very easy targets, short maturity, and a builder that mines blocks on it.
struct TestChain {
    static let premineKey = try! PrivateKey(
        secret: ChainParameters.developmentPremineSecret,
        publicKey: ChainParameters.development.premineKey
    )

    static let parameters = ChainParameters.regtest.with(maximumBlockSize: 64 << 10)

    static let network = NetworkParameters(
        name: "test",
        nodeIdentityTarget: NetworkParameters.regtest.nodeIdentityTarget,
        publisherIdentityTarget: NetworkParameters.regtest.publisherIdentityTarget,
        chain: parameters
    )

    var state = ChainState(network: network)
    var headers = HeaderList()
    var undos: [BlockUndo] = []
    var blocks: [Block] = []
    let miner = try! PrivateKey.generate()

    init() throws {
        let genesis = Self.parameters.genesis
        undos.append(try state.apply(genesis))
        headers.headers.append(genesis.header)
        blocks.append(genesis)
    }

    var now: UInt64 { (headers.headers.last?.time ?? 0) + 5 }

    /// A solved block on the tip with `transactions`, its coinbase paying reward and fees to the miner.
    func make(
        _ transactions: [Transaction],
        algorithm: PowAlgorithm = .sha256d,
        time: UInt64? = nil,
        fees: Amount = .coins(0),
        coinbaseExtra: Amount = .coins(0),
        bits: UInt32? = nil
    ) -> Block {
        let height = UInt32(headers.headers.count)
        let coinbase = Transaction.coinbase(
            height: height,
            outputs: [
                TransactionOutput(
                    amount: Self.parameters.reward(atHeight: height) + fees + coinbaseExtra,
                    lock: .address(Address(publicKey: miner.publicKey))
                )
            ]
        )
        let all = [coinbase] + transactions
        let header = BlockHeader(
            previous: headers.headers.last!.id,
            merkleRoot: Block.merkleRoot(of: all),
            time: time ?? now,
            bits: bits ?? HeaderRules.requiredBits(for: algorithm, after: headers, parameters: Self.parameters),
            algorithm: algorithm
        )
        return Block(header: Miner.solve(header)!, transactions: all)
    }

    /// Checks and applies a block as a node would.
    mutating func add(_ block: Block, now: UInt64? = nil) throws(ConsensusError) {
        try HeaderRules.check(block.header, after: headers, parameters: Self.parameters, now: now ?? self.now)
        undos.append(try state.apply(block))
        headers.headers.append(block.header)
        blocks.append(block)
    }

    /// Mines and adds a block.
    @discardableResult
    mutating func extend(_ transactions: [Transaction] = [], fees: Amount = .coins(0)) throws -> Block {
        let block = make(transactions, fees: fees)
        try add(block)
        return block
    }

    /// The unspent outputs paying `key`'s address.
    func coins(of key: PublicKey) -> [(OutPoint, UnspentOutput)] {
        state.unspent.filter { $0.value.output.lock == .address(Address(publicKey: key)) }.sorted {
            $0.key.description < $1.key.description
        }
    }

    /// A signed transfer of `outpoints` (owned by `key`) to `outputs`.
    static func transfer(_ outpoints: [OutPoint], from key: PrivateKey, to outputs: [TransactionOutput]) throws
        -> Transaction
    {
        try Transaction.signedTransfer(spending: outpoints.map { ($0, key) }, to: outputs)
    }

    static func pay(_ amount: Amount, to key: PublicKey) -> TransactionOutput {
        TransactionOutput(amount: amount, lock: .address(Address(publicKey: key)))
    }
}
