/// An unspent output with what spending rules need to know about it.
public struct UnspentOutput: Hashable, Sendable {
    public let output: TransactionOutput
    public let height: UInt32
    public let isCoinbase: Bool
}

/// A live announcement and the height at which it is pruned.
public struct LiveAnnouncement: Hashable, Sendable {
    public let announcement: SignedAnnouncement
    public let expiresAt: UInt32
}

/// What `apply` changed, so `revert` can undo it exactly.
public struct BlockUndo: Sendable, Equatable {
    public var spent: [(OutPoint, UnspentOutput)] = []
    public var created: [OutPoint] = []
    public var addedAnnouncements: [Hash256] = []
    public var prunedAnnouncements: [(Hash256, LiveAnnouncement)] = []
    public var previousTip: Hash256
    public var previousHeight: Int

    public static func == (lhs: BlockUndo, rhs: BlockUndo) -> Bool {
        lhs.spent.map(\.0) == rhs.spent.map(\.0) && lhs.created == rhs.created
            && lhs.addedAnnouncements == rhs.addedAnnouncements
            && lhs.prunedAnnouncements.map(\.0) == rhs.prunedAnnouncements.map(\.0)
            && lhs.previousTip == rhs.previousTip
    }
}

/// The ledger at one tip: unspent outputs and live announcements. `apply` validates a block's transactions
/// against it and moves it forward; `revert` moves it back with the block's undo data. Pure: no clock, no I/O.
public struct ChainState: Sendable {
    public let network: NetworkParameters
    public var parameters: ChainParameters { network.chain }
    public private(set) var unspent: [OutPoint: UnspentOutput] = [:]
    public private(set) var announcements: [Hash256: LiveAnnouncement] = [:]
    /// The tip's height; -1 before the genesis block.
    public private(set) var height = -1
    public private(set) var tip = Hash256(bytes: [UInt8](repeating: 0, count: 32))!

    public init(network: NetworkParameters) {
        self.network = network
    }

    /// Every coin in unspent outputs.
    public var totalCoins: Amount { Amount(units: unspent.values.reduce(0) { $0 + $1.output.amount.units }) }

    /// Validates `block`'s transactions as the next block and applies them; nothing changes when it throws.
    /// Header rules (work, target, time) are checked by `HeaderRules` before.
    /// - Parameter signaturesVerified: the caller already checked every key signature of the block
    ///   (`Block.keySignatureChecks`, in parallel); the rest of each spend is still checked here.
    public mutating func apply(_ block: Block, signaturesVerified: Bool = false) throws(ConsensusError) -> BlockUndo {
        let newHeight = UInt32(height + 1)
        var scratch = self
        var undo = BlockUndo(previousTip: tip, previousHeight: height)
        guard block.header.merkleRoot == Block.merkleRoot(of: block.transactions) else { throw .badMerkleRoot }
        let size = block.encoded.count
        guard size <= parameters.maximumBlockSize else {
            throw .oversizeBlock(size: size, limit: parameters.maximumBlockSize)
        }
        guard case .coinbase(let coinbaseHeight, let coinbaseOutputs) = block.transactions.first else {
            throw .missingCoinbase
        }
        guard coinbaseHeight == newHeight else {
            throw .wrongCoinbaseHeight(expected: newHeight, found: coinbaseHeight)
        }
        var seen = Set<Hash256>()
        var fees: Int64 = 0
        for (index, transaction) in block.transactions.enumerated() {
            let id = transaction.id
            guard seen.insert(id).inserted else { throw .duplicateTransaction(id) }
            if index > 0, case .coinbase = transaction { throw .misplacedCoinbase }
            if index > 0 {
                fees +=
                    try scratch.applyTransaction(
                        transaction,
                        id: id,
                        height: newHeight,
                        undo: &undo,
                        signaturesVerified: signaturesVerified
                    ).units
            }
        }
        let claimed = try Self.sum(coinbaseOutputs)
        let allowed = parameters.reward(atHeight: newHeight) + Amount(units: fees)
        guard claimed <= allowed || newHeight == 0 else { throw .coinbaseTooLarge(claimed: claimed, allowed: allowed) }
        scratch.addOutputs(of: block.transactions[0], id: block.transactions[0].id, height: newHeight, undo: &undo)
        scratch.pruneAnnouncements(atHeight: newHeight, undo: &undo)
        scratch.height = Int(newHeight)
        scratch.tip = block.id
        self = scratch
        return undo
    }

    /// Undoes the tip block with the undo data `apply` returned for it.
    public mutating func revert(_ undo: BlockUndo) {
        for outpoint in undo.created { unspent[outpoint] = nil }
        for (outpoint, output) in undo.spent { unspent[outpoint] = output }
        for id in undo.addedAnnouncements { announcements[id] = nil }
        for (id, live) in undo.prunedAnnouncements { announcements[id] = live }
        height = undo.previousHeight
        tip = undo.previousTip
    }

    /// Checks a transaction against this state as if it were in the next block (the mempool's check);
    /// returns its fee.
    public func check(_ transaction: Transaction) throws(ConsensusError) -> Amount {
        var scratch = self
        var undo = BlockUndo(previousTip: tip, previousHeight: height)
        if case .coinbase = transaction { throw .misplacedCoinbase }
        return try scratch.applyTransaction(transaction, id: transaction.id, height: UInt32(height + 1), undo: &undo)
    }

    /// Applies a transaction not yet in a block (the memory pool's running state); returns its fee.
    public mutating func applyUnconfirmed(_ transaction: Transaction) throws(ConsensusError) -> Amount {
        if case .coinbase = transaction { throw .misplacedCoinbase }
        if case .pruned = transaction { throw .misplacedCoinbase }
        var undo = BlockUndo(previousTip: tip, previousHeight: height)
        return try applyTransaction(transaction, id: transaction.id, height: UInt32(height + 1), undo: &undo)
    }

    /// Validates and applies one non-coinbase transaction; returns its fee.
    mutating func applyTransaction(
        _ transaction: Transaction,
        id: Hash256,
        height: UInt32,
        undo: inout BlockUndo,
        signaturesVerified: Bool = false
    ) throws(ConsensusError) -> Amount {
        switch transaction {
        case .coinbase:
            throw .misplacedCoinbase
        case .transfer(let inputs, let outputs):
            guard !inputs.isEmpty, !outputs.isEmpty else { throw .emptyTransfer }
            var total: Int64 = 0
            for (index, input) in inputs.enumerated() {
                guard let spent = unspent[input.previous] else { throw .missingInput(input.previous) }
                // The genesis premine is spendable at once; later coinbases wait for maturity.
                if spent.isCoinbase, spent.height > 0, height < spent.height + parameters.coinbaseMaturity {
                    throw .immatureCoinbase(input.previous)
                }
                try SpendRules.check(
                    input: input,
                    index: index,
                    spending: spent.output,
                    in: transaction,
                    height: height,
                    signatureVerified: signaturesVerified
                )
                total += spent.output.amount.units
                unspent[input.previous] = nil
                undo.spent.append((input.previous, spent))
            }
            let outputsTotal = try Self.sum(outputs)
            guard outputsTotal.units <= total else {
                throw .outputsExceedInputs(inputs: Amount(units: total), outputs: outputsTotal)
            }
            addOutputs(of: transaction, id: id, height: height, undo: &undo)
            return Amount(units: total - outputsTotal.units)
        case .pruned:
            return Amount(units: 0)
        case .announcement(let announcement):
            try AnnouncementRules.check(announcement, id: id, in: self)
            announcements[id] = LiveAnnouncement(
                announcement: announcement,
                expiresAt: height + announcement.timeoutBlocks
            )
            undo.addedAnnouncements.append(id)
            return Amount(units: 0)
        }
    }

    private mutating func addOutputs(of transaction: Transaction, id: Hash256, height: UInt32, undo: inout BlockUndo) {
        let isCoinbase: Bool
        if case .coinbase = transaction { isCoinbase = true } else { isCoinbase = false }
        for (index, output) in transaction.outputs.enumerated() {
            let outpoint = OutPoint(transaction: id, index: UInt32(index))
            unspent[outpoint] = UnspentOutput(output: output, height: height, isCoinbase: isCoinbase)
            undo.created.append(outpoint)
        }
    }

    private mutating func pruneAnnouncements(atHeight height: UInt32, undo: inout BlockUndo) {
        for (id, live) in announcements where live.expiresAt <= height {
            announcements[id] = nil
            undo.prunedAnnouncements.append((id, live))
        }
    }

    static func sum(_ outputs: [TransactionOutput]) throws(ConsensusError) -> Amount {
        var total: Int64 = 0
        for output in outputs {
            guard output.amount.units >= 0, output.amount <= .maximum else { throw .negativeOrOversizeAmount }
            total += output.amount.units
            guard total <= Amount.maximum.units else { throw .negativeOrOversizeAmount }
        }
        return Amount(units: total)
    }
}
