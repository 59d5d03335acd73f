/// The consensus constants of one network's chain.
public struct ChainParameters: Sendable {
    /// The easiest target each algorithm may have.
    public let powLimit: [PowAlgorithm: CompactTarget]
    /// Seconds wanted between blocks, all algorithms together.
    public let blockSpacing: UInt64
    /// Blocks of one algorithm whose times set that algorithm's next target.
    public let retargetWindow: Int
    /// New coins per block before the first halving, and blocks between halvings.
    public let blockReward: Amount
    public let halvingInterval: UInt32
    /// Blocks before a coinbase output may be spent.
    public let coinbaseMaturity: UInt32
    /// The most bytes a block may have.
    public let maximumBlockSize: Int
    /// The most bytes an announcement transaction may have (RFC technical note 3: a few hundred).
    public let maximumAnnouncementSize: Int
    /// The longest an announcement may live, in blocks.
    public let maximumAnnouncementTimeout: UInt32
    /// Work targets of task (also cancel and proof-of-storage) and acceptance announcements.
    public let taskTarget: CompactTarget
    public let acceptanceTarget: CompactTarget
    /// A block may be at most this many seconds ahead of the validating node's clock.
    public let maximumFutureSeconds: UInt64
    /// Blocks whose median time a new block's time must exceed.
    public let medianTimeSpan: Int
    /// The foundation premine, paid by the genesis block.
    public let premine: Amount
    public let premineKey: PublicKey
    public let genesisTime: UInt64

    /// The genesis block: a coinbase paying the premine; every node of the network has the same one.
    public var genesis: Block {
        let coinbase = Transaction.coinbase(
            height: 0,
            outputs: [TransactionOutput(amount: premine, lock: .address(Address(publicKey: premineKey)))]
        )
        let header = BlockHeader(
            previous: Hash256(bytes: [UInt8](repeating: 0, count: 32))!,
            merkleRoot: Block.merkleRoot(of: [coinbase]),
            time: genesisTime,
            bits: powLimit[.sha256d]!.bits,
            algorithm: .sha256d
        )
        return Block(header: header, transactions: [coinbase])
    }

    /// The reward of a block at `height`.
    public func reward(atHeight height: UInt32) -> Amount {
        let halvings = height / halvingInterval
        return halvings >= 63 ? Amount(units: 0) : Amount(units: blockReward.units >> Int64(halvings))
    }

    /// The secret of the development premine key: well known, so every development wallet can spend the
    /// premine. Never use it on a real network.
    public static let developmentPremineSecret = Hex.decode(
        "cca246f1b0b17c0672b553ed617092b2886599f160f2ae296f7364ad43913337"
    )!

    /// The development network's chain: easy targets, a block every few seconds.
    public static let development = ChainParameters(
        powLimit: [.sha256d: CompactTarget(bits: 0x1f00_ffff)!, .scrypt: CompactTarget(bits: 0x2000_ffff)!],
        blockSpacing: 4,
        retargetWindow: 12,
        blockReward: .coins(50),
        halvingInterval: 210_000,
        coinbaseMaturity: 10,
        maximumBlockSize: 1 << 20,
        maximumAnnouncementSize: 512,
        maximumAnnouncementTimeout: 100_000,
        taskTarget: CompactTarget(bits: 0x2000_ffff)!,
        acceptanceTarget: CompactTarget(bits: 0x2000_ffff)!,
        maximumFutureSeconds: 7200,
        medianTimeSpan: 11,
        premine: .coins(1_000_000),
        premineKey: try! PublicKey(
            bytes: Hex.decode("02317233ea6dfe129c5c2c36f0e5ef68d4fae1a3035b3989d6eb4d958f63f10d72")!
        ),
        genesisTime: 1_764_000_000
    )

    /// A shared test network: its own genesis, harder targets, a block a minute, and no premine (the genesis
    /// pays nothing), so no key is special on it.
    public static let testnet = ChainParameters(
        powLimit: [.sha256d: CompactTarget(bits: 0x1e0f_ffff)!, .scrypt: CompactTarget(bits: 0x1f0f_ffff)!],
        blockSpacing: 60,
        retargetWindow: 24,
        blockReward: .coins(50),
        halvingInterval: 210_000,
        coinbaseMaturity: 100,
        maximumBlockSize: 1 << 20,
        maximumAnnouncementSize: 512,
        maximumAnnouncementTimeout: 100_000,
        taskTarget: CompactTarget(bits: 0x1f0f_ffff)!,
        acceptanceTarget: CompactTarget(bits: 0x1f0f_ffff)!,
        maximumFutureSeconds: 7200,
        medianTimeSpan: 11,
        premine: Amount(units: 0),
        premineKey: development.premineKey,
        genesisTime: 1_764_100_000
    )

    /// The regression-test chain: targets any second hash meets, coinbases mature after two blocks, a premine of
    /// 1,000 ZEN to the development key. For tests and benchmarks that build chains in process.
    public static let regtest = ChainParameters(
        powLimit: [.sha256d: CompactTarget(bits: 0x207f_ffff)!, .scrypt: CompactTarget(bits: 0x207f_ffff)!],
        blockSpacing: 4,
        retargetWindow: 4,
        blockReward: .coins(50),
        halvingInterval: 1000,
        coinbaseMaturity: 2,
        maximumBlockSize: 1 << 20,
        maximumAnnouncementSize: 512,
        maximumAnnouncementTimeout: 1000,
        taskTarget: CompactTarget(bits: 0x2000_ffff)!,
        acceptanceTarget: CompactTarget(bits: 0x2000_ffff)!,
        maximumFutureSeconds: 7200,
        medianTimeSpan: 11,
        premine: .coins(1000),
        premineKey: development.premineKey,
        genesisTime: 1_000_000
    )

    /// A copy with a different block size limit or retarget window.
    public func with(maximumBlockSize: Int? = nil, retargetWindow: Int? = nil) -> ChainParameters {
        ChainParameters(
            powLimit: powLimit,
            blockSpacing: blockSpacing,
            retargetWindow: retargetWindow ?? self.retargetWindow,
            blockReward: blockReward,
            halvingInterval: halvingInterval,
            coinbaseMaturity: coinbaseMaturity,
            maximumBlockSize: maximumBlockSize ?? self.maximumBlockSize,
            maximumAnnouncementSize: maximumAnnouncementSize,
            maximumAnnouncementTimeout: maximumAnnouncementTimeout,
            taskTarget: taskTarget,
            acceptanceTarget: acceptanceTarget,
            maximumFutureSeconds: maximumFutureSeconds,
            medianTimeSpan: medianTimeSpan,
            premine: premine,
            premineKey: premineKey,
            genesisTime: genesisTime
        )
    }

    public init(
        powLimit: [PowAlgorithm: CompactTarget],
        blockSpacing: UInt64,
        retargetWindow: Int,
        blockReward: Amount,
        halvingInterval: UInt32,
        coinbaseMaturity: UInt32,
        maximumBlockSize: Int,
        maximumAnnouncementSize: Int,
        maximumAnnouncementTimeout: UInt32,
        taskTarget: CompactTarget,
        acceptanceTarget: CompactTarget,
        maximumFutureSeconds: UInt64,
        medianTimeSpan: Int,
        premine: Amount,
        premineKey: PublicKey,
        genesisTime: UInt64
    ) {
        self.powLimit = powLimit
        self.blockSpacing = blockSpacing
        self.retargetWindow = retargetWindow
        self.blockReward = blockReward
        self.halvingInterval = halvingInterval
        self.coinbaseMaturity = coinbaseMaturity
        self.maximumBlockSize = maximumBlockSize
        self.maximumAnnouncementSize = maximumAnnouncementSize
        self.maximumAnnouncementTimeout = maximumAnnouncementTimeout
        self.taskTarget = taskTarget
        self.acceptanceTarget = acceptanceTarget
        self.maximumFutureSeconds = maximumFutureSeconds
        self.medianTimeSpan = medianTimeSpan
        self.premine = premine
        self.premineKey = premineKey
        self.genesisTime = genesisTime
    }
}
