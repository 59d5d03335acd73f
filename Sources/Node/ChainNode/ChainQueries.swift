import Chain
import Foundation

/// Answers the chain's control requests (status, blocks, transactions, coins, history, audit) from the manager.
struct ChainQueries {
    let manager: ChainManager
    let service: ChainService

    func status() throws -> ChainStatusInfo {
        let state = manager.state
        return ChainStatusInfo(
            network: manager.network.name,
            height: state.height,
            tip: state.tip.description,
            work: manager.tipWork.description,
            mempool: manager.mempool.count,
            storedBytes: try manager.storedBytes(),
            blocksMined: service.blocksMined,
            liveAnnouncements: state.announcements.count,
            coins: state.totalCoins.description
        )
    }

    func blocks(start: Int?, count: Int) throws -> [BlockSummary] {
        let height = manager.tip.height
        let first = max(0, start ?? (height - count + 1))
        let last = min(height, first + max(0, count) - 1)
        guard first <= last else { return [] }
        return try (first...last).compactMap { index in
            guard let block = try manager.block(atHeight: index) else { return nil }
            return BlockSummary(
                height: index,
                hash: block.id.description,
                time: block.header.time,
                algorithm: block.header.algorithm.description,
                bits: String(block.header.bits, radix: 16),
                transactions: block.transactions.count,
                size: block.encoded.count
            )
        }
    }

    func transaction(_ id: Hash256) throws -> TransactionInfo? {
        if let waiting = manager.mempool.first(where: { $0.id == id }) { return Self.info(waiting, height: nil) }
        var height = manager.tip.height
        let floor = max(0, height - 10_000)
        while height >= floor {
            if let block = try manager.block(atHeight: height),
                let found = block.transactions.first(where: { $0.id == id })
            {
                return Self.info(found, height: height)
            }
            height -= 1
        }
        return nil
    }

    static func info(_ transaction: Transaction, height: Int?) -> TransactionInfo {
        let kind: String
        switch transaction {
        case .coinbase: kind = "coinbase"
        case .transfer: kind = "transfer"
        case .announcement(let announcement): kind = "announcement:\(announcement.body.kindName)"
        case .pruned: kind = "pruned announcement"
        }
        return TransactionInfo(
            id: transaction.id.description,
            height: height,
            kind: kind,
            inputs: transaction.inputs.count,
            outputs: transaction.outputs.map { output in
                switch output.lock {
                case .address(let address):
                    OutputInfo(amount: output.amount.description, address: address.description, channel: false)
                case .channel:
                    OutputInfo(amount: output.amount.description, address: nil, channel: true)
                }
            }
        )
    }

    func coins(_ addresses: Set<Address>) -> [CoinInfo] {
        let state = manager.state
        let nextHeight = UInt32(state.height + 1)
        return state.unspent.compactMap { outpoint, unspent -> CoinInfo? in
            guard case .address(let address) = unspent.output.lock, addresses.contains(address) else { return nil }
            let mature =
                !unspent.isCoinbase || unspent.height == 0
                || nextHeight >= unspent.height + manager.network.chain.coinbaseMaturity
            return CoinInfo(
                transaction: outpoint.transaction.description,
                index: outpoint.index,
                units: unspent.output.amount.units,
                address: address.description,
                height: unspent.height,
                mature: mature
            )
        }.sorted { ($0.height, $0.transaction, $0.index) < ($1.height, $1.transaction, $1.index) }
    }

    func history(_ addresses: Set<Address>) throws -> [HistoryEntry] {
        var owned: [OutPoint: Int64] = [:]
        var entries: [HistoryEntry] = []
        for height in 0...max(0, manager.tip.height) {
            guard let block = try manager.block(atHeight: height) else { continue }
            for transaction in block.transactions {
                var change: Int64 = 0
                for input in transaction.inputs {
                    if let units = owned.removeValue(forKey: input.previous) { change -= units }
                }
                let id = transaction.id
                for (index, output) in transaction.outputs.enumerated() {
                    if case .address(let address) = output.lock, addresses.contains(address) {
                        owned[OutPoint(transaction: id, index: UInt32(index))] = output.amount.units
                        change += output.amount.units
                    }
                }
                if change != 0 {
                    entries.append(HistoryEntry(height: height, transaction: id.description, units: change))
                }
            }
        }
        return entries
    }

    /// The coin audit of the main chain's tip.
    func audit() -> ChainAudit { ChainAudit(of: manager.state) }
}

extension ChainAudit {
    /// The audit of one ledger: its unspent outputs against its network's premine (once the genesis block is
    /// applied) and the subsidies of heights 1 through its tip.
    public init(of state: ChainState) {
        let parameters = state.parameters
        var subsidy: Int64 = 0
        var height = 1
        while height <= state.height {
            // One halving era at a time: every block of an era has the same subsidy.
            let eraEnd = (height / Int(parameters.halvingInterval) + 1) * Int(parameters.halvingInterval) - 1
            let last = min(eraEnd, state.height)
            subsidy += Int64(last - height + 1) * parameters.reward(atHeight: UInt32(height)).units
            height = last + 1
        }
        self.init(
            unspentUnits: state.totalCoins.units,
            premineUnits: state.height >= 0 ? parameters.premine.units : 0,
            subsidyUnits: subsidy,
            height: state.height
        )
    }
}
