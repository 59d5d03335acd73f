import Chain
import Dispatch
import Foundation
import Logging
import Synchronization
import ZenFS

/// The chain side of a running node: block and transaction gossip over the peer network (tips on connect,
/// `getBlocks` with locators for initial sync and after orphans, relaying of new blocks and transactions), and
/// the development miner. Chain messages are handled in order on one queue, off the network's event loops.
public final class ChainService: Sendable {
    public let manager: ChainManager
    private let network: PeerNetwork
    private let logger: Logger
    private let queue = DispatchQueue(label: "zenfs.chain")
    /// Blocks mined by this node.
    private let minedCount = Mutex(0)

    public init(manager: ChainManager, network: PeerNetwork, logger: Logger) {
        self.manager = manager
        self.network = network
        self.logger = logger
        network.chainHandler.withLock {
            $0 = { [weak self] message, id in
                guard let service = self else { return }
                service.queue.async { service.handle(message, from: id) }
            }
        }
        network.onConnected.withLock {
            $0 = { [weak self] id in
                guard self != nil else { return }
                let tip = manager.tip
                network.send(.chainTip(height: UInt32(tip.height), hash: tip.hash), to: id)
            }
        }
    }

    public var blocksMined: Int { minedCount.withLock { $0 } }

    /// Waits for the chain messages already queued (before the network's event loops stop).
    public func drain() { queue.sync {} }

    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

    private func handle(_ message: PeerMessage, from id: ConnectionID) {
        switch message {
        case .chainTip(_, let hash):
            if !manager.knows(hash) { network.send(.getBlocks(locator: manager.locator()), to: id) }
        case .getBlocks(let locator):
            do {
                for block in try manager.blocks(after: locator) { network.send(.block(block.encoded), to: id) }
            } catch {
                logger.warning("cannot serve blocks: \(error)")
            }
            let tip = manager.tip
            network.send(.chainTip(height: UInt32(tip.height), hash: tip.hash), to: id)
        case .block(let bytes):
            guard let block = try? Block.decode(bytes) else {
                logger.notice("peer \(id) sent an undecodable block")
                return
            }
            receive(block, from: id)
        case .transaction(let bytes):
            guard let transaction = try? TransactionCodec.decode(bytes) else { return }
            if (try? manager.submitTransaction(transaction)) == true {
                network.broadcast(.transaction(bytes), except: id)
            }
        default:
            break
        }
    }

    private func receive(_ block: Block, from id: ConnectionID?) {
        do {
            switch try manager.submit(block, now: Self.now()) {
            case .accepted(let newTip):
                network.broadcast(.block(block.encoded), except: id)
                if newTip { logger.debug("new tip \(manager.tip.height) \(block.id)") }
            case .orphan:
                if let id { network.send(.getBlocks(locator: manager.locator()), to: id) }
            case .alreadyKnown:
                break
            }
        } catch {
            logger.notice("refused block \(block.id): \(error)")
        }
    }

    /// Validates a local transaction, adds it to the pool and sends it to every peer.
    public func submit(_ transaction: Transaction) throws(ChainError) {
        let result = queue.sync {
            Result { () throws(ChainError) -> Bool in try manager.submitTransaction(transaction) }
        }
        if try result.get() { network.broadcast(.transaction(transaction.encoded)) }
    }

    /// Mines on the tip until cancelled: one block every `spacing` seconds at most (the network's block spacing
    /// by default), algorithms taking turns, paying `payee`.
    public func mine(payee: Address, spacing: Double? = nil) async {
        var turn = 0
        let spacing = spacing ?? Double(manager.network.chain.blockSpacing)
        while !Task.isCancelled {
            let started = Date()
            let algorithm = PowAlgorithm.allCases[turn % PowAlgorithm.allCases.count]
            turn += 1
            if let block = await solve(algorithm: algorithm, payee: payee) {
                queue.sync { receive(block, from: nil) }
                if manager.tip.hash == block.id { minedCount.withLock { $0 += 1 } }
            }
            let elapsed = Date().timeIntervalSince(started)
            let rest = max(0, spacing - elapsed)
            try? await Task.sleep(nanoseconds: UInt64(rest * 1e9))
        }
    }

    /// Searches nonces in slices, starting over on a fresh template when the tip moves.
    private func solve(algorithm: PowAlgorithm, payee: Address) async -> Block? {
        var block = manager.template(algorithm: algorithm, payee: payee, now: Self.now())
        while !Task.isCancelled {
            if let solved = Miner.solve(block.header, attempts: 2000) {
                block.header = solved
                return block
            }
            block.header.nonce &+= 2000
            if manager.tip.hash != block.header.previous {
                block = manager.template(algorithm: algorithm, payee: payee, now: Self.now())
            }
            await Task.yield()
        }
        return nil
    }
}
