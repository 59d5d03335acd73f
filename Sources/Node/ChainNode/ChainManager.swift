import Chain
import Foundation
import Logging
import Synchronization

/// Why the chain refused a block or a transaction.
public enum ChainError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(ConsensusError)
    case malformed(String)
    case feeTooLow(paid: Amount, required: Amount)
    case mempoolFull
    case taskWorkBelowPolicy
    case store(String)

    public var description: String {
        switch self {
        case .invalid(let reason): "invalid: \(reason)"
        case .malformed(let reason): "malformed: \(reason)"
        case .feeTooLow(let paid, let required): "the fee \(paid) is below the required \(required)"
        case .mempoolFull: "the memory pool is full; try again later with a higher fee"
        case .taskWorkBelowPolicy: "this node demands more work of task announcements than this one carries"
        case .store(let reason): "chain store: \(reason)"
        }
    }
}

/// What became of a submitted block.
public enum BlockOutcome: Equatable, Sendable {
    /// Stored; `newTip` when the main chain now ends with it (or a descendant).
    case accepted(newTip: Bool)
    case alreadyKnown
    /// Its parent is unknown: kept aside until the parent arrives.
    case orphan(missingParent: Hash256)
}

/// The node's chain: every block it knows as a tree, the main chain (most cumulative work) and its ledger
/// state, reorganizations, the memory pool with its fee and work policy, orphan blocks, announcement pruning
/// in storage, and block templates for the miner. All state sits behind one mutex.
public final class ChainManager: Sendable {
    public let network: NetworkParameters
    public let minimumTaskTarget: CompactTarget?
    private let store: ChainStore
    private let logger: Logger
    private let core: Mutex<Core>
    /// The smallest fee a transfer must pay per 1,000 bytes (and at least once).
    public static let minimumFeePerKilobyte = Amount(units: 1000)
    static let maximumMempool = 5000
    static let maximumOrphans = 200
    static let keptUndos = 2000

    struct Node {
        let previous: Hash256
        let height: Int
        let work: UInt256
    }

    struct PoolEntry {
        let transaction: Transaction
        let fee: Amount
        let size: Int
    }

    struct Core {
        var tree: [Hash256: Node] = [:]
        var main: [Hash256] = []
        var headers = HeaderList()
        var state: ChainState
        var undos: [Hash256: BlockUndo] = [:]
        /// Which block holds each live announcement, so pruning can find it in storage.
        var inclusion: [Hash256: Hash256] = [:]
        var pool: [PoolEntry] = []
        var poolIDs: Set<Hash256> = []
        var poolState: ChainState
        var orphans: [Hash256: [Block]] = [:]
        var orphanCount = 0
    }

    /// - Parameter minimumTaskTarget: a stricter work target this node demands of task announcements before it
    ///   relays or mines them (the network's target still decides what is valid in blocks).
    public init(network: NetworkParameters, path: String, logger: Logger, minimumTaskTarget: CompactTarget? = nil)
        throws
    {
        self.network = network
        self.minimumTaskTarget = minimumTaskTarget
        self.logger = logger
        store = try ChainStore(path: path)
        var core = Core(state: ChainState(network: network), poolState: ChainState(network: network))
        let genesis = network.chain.genesis
        var entries = try store.entries()
        if entries.isEmpty {
            try store.insert(genesis, height: 0, work: HeaderRules.work(of: genesis.header))
            try store.switchMain(removed: [], added: [genesis.id])
            entries = try store.entries()
        }
        guard entries.first?.hash == genesis.id else {
            throw ChainError.store("\(path) holds another network's chain; use another data directory")
        }
        for entry in entries {
            core.tree[entry.hash] = Node(previous: entry.previous, height: entry.height, work: entry.work)
        }
        for entry in entries where entry.main {
            guard let block = try store.block(entry.hash) else { continue }
            let undo: BlockUndo
            do { undo = try core.state.apply(block) } catch {
                throw ChainError.store("stored block \(entry.hash) at height \(entry.height) is invalid: \(error)")
            }
            Self.record(block, undo: undo, in: &core)
        }
        core.poolState = core.state
        self.core = Mutex(core)
    }

    // MARK: Reading

    /// The tip's height and hash.
    public var tip: (height: Int, hash: Hash256) {
        core.withLock { ($0.state.height, $0.state.tip) }
    }

    /// Cumulative work of the main chain.
    public var tipWork: UInt256 { core.withLock { $0.tree[$0.state.tip]?.work ?? .zero } }

    /// A copy of the ledger at the tip.
    public var state: ChainState { core.withLock { $0.state } }

    /// The state with the memory pool applied: what spends and announcements will be once its transactions are
    /// mined (the view for choosing coins and reading fresh announcements).
    public var poolState: ChainState { core.withLock { $0.poolState } }

    /// Transactions waiting in the memory pool.
    public var mempool: [Transaction] { core.withLock { $0.pool.map(\.transaction) } }

    /// The main-chain block at `height`.
    public func block(atHeight height: Int) throws -> Block? {
        guard let hash = core.withLock({ $0.main.indices.contains(height) ? $0.main[height] : nil }) else { return nil }
        return try store.block(hash)
    }

    public func block(_ hash: Hash256) throws -> Block? { try store.block(hash) }

    /// The transaction that spends `outpoint`, from the memory pool or the newest `depth` main-chain blocks.
    public func spender(of outpoint: OutPoint, depth: Int = 2_000) -> Transaction? {
        if let waiting = mempool.first(where: { $0.inputs.contains { $0.previous == outpoint } }) { return waiting }
        let top = tip.height
        for height in stride(from: top, through: max(0, top - depth), by: -1) {
            guard let block = try? block(atHeight: height) else { continue }
            if let found = block.transactions.first(where: { $0.inputs.contains { $0.previous == outpoint } }) {
                return found
            }
        }
        return nil
    }

    /// Whether the block is stored (main chain or not).
    public func knows(_ hash: Hash256) -> Bool { core.withLock { $0.tree[hash] != nil } }

    /// Main-chain hashes from the tip back, spaced exponentially (a locator for `getBlocks`).
    public func locator() -> [Hash256] {
        core.withLock { core in
            var hashes: [Hash256] = []
            var height = core.main.count - 1
            var step = 1
            while height > 0, hashes.count < 60 {
                hashes.append(core.main[height])
                if hashes.count >= 10 { step *= 2 }
                height -= step
            }
            hashes.append(core.main[0])
            return hashes
        }
    }

    /// Up to `limit` main-chain blocks after the first locator hash on the main chain.
    public func blocks(after locator: [Hash256], limit: Int = 500) throws -> [Block] {
        let hashes = core.withLock { core -> [Hash256] in
            var start = 0
            for hash in locator {
                if let node = core.tree[hash], core.main.indices.contains(node.height), core.main[node.height] == hash {
                    start = node.height
                    break
                }
            }
            guard start + 1 < core.main.count else { return [] }
            return Array(core.main[(start + 1)..<min(core.main.count, start + 1 + limit)])
        }
        return try hashes.compactMap { try store.block($0) }
    }

    /// Bytes of stored block bodies.
    public func storedBytes() throws -> Int { try store.storedBytes() }

    // MARK: Blocks

    /// Validates and stores a block; moves the main chain to it when its branch has the most work.
    public func submit(_ block: Block, now: UInt64) throws(ChainError) -> BlockOutcome {
        // Key signatures are checked on every core first, outside the lock; on a failure the block is validated
        // one signature at a time, which names the bad input.
        let verified = knows(block.id) ? false : ParallelSignatureCheck.allValid(block.keySignatureChecks())
        let outcome = try core.withLock { core throws(ChainError) -> BlockOutcome in
            try accept(block, now: now, signaturesVerified: verified, core: &core)
        }
        if case .accepted = outcome { adoptOrphans(of: block.id, now: now) }
        return outcome
    }

    private func accept(_ block: Block, now: UInt64, signaturesVerified: Bool, core: inout Core) throws(ChainError)
        -> BlockOutcome
    {
        let hash = block.id
        if core.tree[hash] != nil { return .alreadyKnown }
        guard let parent = core.tree[block.header.previous] else {
            if core.orphanCount < Self.maximumOrphans {
                core.orphans[block.header.previous, default: []].append(block)
                core.orphanCount += 1
            }
            return .orphan(missingParent: block.header.previous)
        }
        let ancestry: HeaderList
        do { ancestry = try branchHeaders(endingAt: block.header.previous, core: core) } catch {
            throw .store("\(error)")
        }
        do { try HeaderRules.check(block.header, after: ancestry, parameters: network.chain, now: now) } catch {
            throw .invalid(error)
        }
        let node = Node(
            previous: block.header.previous,
            height: parent.height + 1,
            work: parent.work + HeaderRules.work(of: block.header)
        )
        if block.header.previous == core.state.tip {
            // The common case: extends the main chain. Validate before storing.
            var state = core.state
            let undo: BlockUndo
            do { undo = try state.apply(block, signaturesVerified: signaturesVerified) } catch { throw .invalid(error) }
            do { try store.insert(block, height: node.height, work: node.work) } catch { throw .store("\(error)") }
            core.tree[hash] = node
            core.state = state
            do { try store.switchMain(removed: [], added: [hash]) } catch { throw .store("\(error)") }
            Self.record(block, undo: undo, in: &core)
            pruneStoredAnnouncements(undo, core: &core)
            refreshPool(removing: Set(block.transactions.map(\.id)), returning: [], core: &core)
            return .accepted(newTip: true)
        }
        do { try store.insert(block, height: node.height, work: node.work) } catch { throw .store("\(error)") }
        core.tree[hash] = node
        let tipWork = core.tree[core.state.tip]?.work ?? .zero
        guard tipWork < node.work else { return .accepted(newTip: false) }
        try reorganize(to: hash, core: &core)
        return .accepted(newTip: core.state.tip == hash)
    }

    private func adoptOrphans(of parent: Hash256, now: UInt64) {
        var queue = [parent]
        while let next = queue.popLast() {
            let children = core.withLock { core -> [Block] in
                let children = core.orphans.removeValue(forKey: next) ?? []
                core.orphanCount -= children.count
                return children
            }
            for child in children {
                if case .accepted = try? submit(child, now: now) { queue.append(child.id) }
            }
        }
    }

    /// Headers of the branch ending at `hash`: the main chain up to the fork, then the branch.
    private func branchHeaders(endingAt hash: Hash256, core: Core) throws -> HeaderList {
        var branch: [BlockHeader] = []
        var cursor = hash
        while let node = core.tree[cursor],
            !(core.main.indices.contains(node.height) && core.main[node.height] == cursor)
        {
            guard let block = try store.block(cursor) else { break }
            branch.append(block.header)
            cursor = node.previous
        }
        guard let fork = core.tree[cursor] else { return core.headers }
        return HeaderList(Array(core.headers.headers[0...fork.height]) + branch.reversed())
    }

    /// Moves the main chain to the branch ending at `newTip`: reverts to the fork, applies the branch; if a
    /// branch block is invalid, the old chain is restored and the branch forgotten.
    private func reorganize(to newTip: Hash256, core: inout Core) throws(ChainError) {
        var branch: [Hash256] = []
        var cursor = newTip
        while let node = core.tree[cursor],
            !(core.main.indices.contains(node.height) && core.main[node.height] == cursor)
        {
            branch.append(cursor)
            cursor = node.previous
        }
        branch.reverse()
        let forkHeight = core.tree[cursor]!.height
        let saved = core
        var reverted: [Block] = []
        do {
            while core.main.count - 1 > forkHeight {
                let hash = core.main.removeLast()
                core.headers.headers.removeLast()
                guard let block = try store.block(hash) else { throw ChainError.store("block \(hash) is missing") }
                if let undo = core.undos.removeValue(forKey: hash) {
                    core.state.revert(undo)
                } else {
                    try rebuildState(core: &core)
                }
                reverted.append(block)
            }
            var applied: [(Block, BlockUndo)] = []
            for hash in branch {
                guard let block = try store.block(hash) else { throw ChainError.store("block \(hash) is missing") }
                do {
                    applied.append((block, try core.state.apply(block)))
                } catch {
                    throw ChainError.invalid(error)
                }
                Self.record(block, undo: applied.last!.1, in: &core)
            }
            try store.switchMain(removed: reverted.map(\.id), added: branch)
            for (_, undo) in applied { pruneStoredAnnouncements(undo, core: &core) }
            let confirmed = Set(applied.flatMap { $0.0.transactions.map(\.id) })
            let returning = reverted.reversed().flatMap { $0.transactions.dropFirst() }.filter {
                !confirmed.contains($0.id)
            }
            refreshPool(removing: confirmed, returning: Array(returning), core: &core)
            logger.notice(
                "chain reorganized",
                metadata: ["fork": "\(forkHeight)", "reverted": "\(reverted.count)", "applied": "\(branch.count)"]
            )
        } catch {
            core = saved
            for hash in branch { core.tree[hash] = nil }
            logger.warning("rejected branch ending at \(newTip): \(error)")
            if let error = error as? ChainError { throw error }
            throw .store("\(error)")
        }
    }

    /// Replays the main chain from genesis (when undo data for a deep reorganization is gone).
    private func rebuildState(core: inout Core) throws {
        var state = ChainState(network: network)
        core.undos = [:]
        for hash in core.main {
            guard let block = try store.block(hash) else { throw ChainError.store("block \(hash) is missing") }
            core.undos[hash] = try state.apply(block)
        }
        core.state = state
    }

    private static func record(_ block: Block, undo: BlockUndo, in core: inout Core) {
        let hash = block.id
        core.main.append(hash)
        core.headers.headers.append(block.header)
        core.undos[hash] = undo
        if core.main.count > keptUndos { core.undos[core.main[core.main.count - keptUndos - 1]] = nil }
        for id in undo.addedAnnouncements { core.inclusion[id] = hash }
    }

    /// Removes the bodies of announcements pruned by a block from the blocks that hold them.
    private func pruneStoredAnnouncements(_ undo: BlockUndo, core: inout Core) {
        var byBlock: [Hash256: Set<Hash256>] = [:]
        for (id, _) in undo.prunedAnnouncements {
            if let holder = core.inclusion.removeValue(forKey: id) { byBlock[holder, default: []].insert(id) }
        }
        for (block, ids) in byBlock {
            do { try store.prune(ids, inBlock: block) } catch { logger.warning("cannot prune announcements: \(error)") }
        }
    }

    // MARK: Memory pool

    /// Adds a transaction to the memory pool; returns false when it was already there.
    @discardableResult
    public func submitTransaction(_ transaction: Transaction) throws(ChainError) -> Bool {
        try core.withLock { core throws(ChainError) -> Bool in
            let id = transaction.id
            if core.poolIDs.contains(id) { return false }
            guard core.pool.count < Self.maximumMempool else { throw .mempoolFull }
            if let policy = minimumTaskTarget, case .announcement(let announcement) = transaction,
                case .task = announcement.body, !policy.isMet(by: announcement.workHash)
            {
                throw .taskWorkBelowPolicy
            }
            var scratch = core.poolState
            let fee: Amount
            do throws(ConsensusError) { fee = try scratch.applyUnconfirmed(transaction) } catch {
                throw .invalid(error)
            }
            let size = transaction.encoded.count
            if case .transfer = transaction {
                let required = Amount(units: Int64(max(1, (size + 999) / 1000)) * Self.minimumFeePerKilobyte.units)
                guard fee >= required else { throw .feeTooLow(paid: fee, required: required) }
            }
            core.poolState = scratch
            core.pool.append(PoolEntry(transaction: transaction, fee: fee, size: size))
            core.poolIDs.insert(id)
            return true
        }
    }

    /// After the tip moved: drops confirmed transactions, puts back those of reverted blocks, and keeps only
    /// what still applies in order.
    private func refreshPool(removing confirmed: Set<Hash256>, returning: [Transaction], core: inout Core) {
        let candidates = returning + core.pool.map(\.transaction).filter { !confirmed.contains($0.id) }
        var state = core.state
        var kept: [PoolEntry] = []
        var ids = Set<Hash256>()
        for transaction in candidates where !ids.contains(transaction.id) {
            if case .coinbase = transaction { continue }
            guard let fee = try? state.applyUnconfirmed(transaction) else { continue }
            kept.append(PoolEntry(transaction: transaction, fee: fee, size: transaction.encoded.count))
            ids.insert(transaction.id)
        }
        core.pool = kept
        core.poolIDs = ids
        core.poolState = state
    }

    // MARK: Mining

    /// A block to mine on the tip: the coinbase paying `payee` the reward and fees, then pool transactions
    /// up to the size limit. Its header still needs a nonce.
    public func template(algorithm: PowAlgorithm, payee: Address, now: UInt64) -> Block {
        core.withLock { core in
            let height = UInt32(core.state.height + 1)
            var chosen: [Transaction] = []
            var fees = Amount(units: 0)
            var size = 200
            for entry in core.pool where size + entry.size < network.chain.maximumBlockSize {
                chosen.append(entry.transaction)
                fees = fees + entry.fee
                size += entry.size
            }
            let coinbase = Transaction.coinbase(
                height: height,
                outputs: [
                    TransactionOutput(amount: network.chain.reward(atHeight: height) + fees, lock: .address(payee))
                ]
            )
            let transactions = [coinbase] + chosen
            let median = HeaderRules.medianTime(of: core.headers, span: network.chain.medianTimeSpan)
            let header = BlockHeader(
                previous: core.state.tip,
                merkleRoot: Block.merkleRoot(of: transactions),
                time: max(now, median + 1),
                bits: HeaderRules.requiredBits(for: algorithm, after: core.headers, parameters: network.chain),
                algorithm: algorithm
            )
            return Block(header: header, transactions: transactions)
        }
    }
}
