import Chain
import Foundation
import Logging
import Market
import ZenFS

/// The node's market room: the seller (when the node sells storage), the publisher, their shared store, and the
/// round that drives both every second.
public final class Marketplace: Sendable {
    let store: MarketStore
    let sold: SoldParts
    let seller: SellerService?
    let publisher: PublisherService
    let reader: ReaderService
    let link: MarketLink
    let settings: MarketSettings

    init(
        settings: MarketSettings,
        data: DataDirectory,
        sold: SoldParts,
        network: PeerNetwork,
        chain: ChainManager,
        chainService: ChainService,
        clock: @escaping MarketClock = wallClock,
        logger: Logger
    ) throws {
        self.settings = settings
        self.sold = sold
        let store = try MarketStore(path: data.path + "/market.sqlite")
        let link = MarketLink(network: network, logger: logger)
        self.store = store
        self.link = link
        let keys = try Wallet.open(dataDirectory: data.path, network: chain.network).keys()
        seller = settings.selling.map { policy in
            SellerService(
                policy: policy,
                settings: settings,
                store: store,
                sold: sold,
                link: link,
                chain: chain,
                chainService: chainService,
                identity: network.localIdentity,
                payee: keys[0],
                clock: clock,
                logger: logger
            )
        }
        publisher = PublisherService(
            data: data,
            store: store,
            link: link,
            chain: chain,
            chainService: chainService,
            identity: network.localIdentity,
            keys: keys,
            settings: settings,
            advertised: network.settings.advertised,
            clock: clock,
            logger: logger
        )
        let reader = ReaderService(
            store: store,
            link: link,
            publisher: publisher,
            chain: chain,
            settings: settings,
            clock: clock,
            logger: logger
        )
        self.reader = reader
        network.marketHandler.withLock {
            $0 = { [weak self] bytes, id in self?.receive(bytes, from: id) }
        }
        network.onReceived.withLock {
            $0 = { [weak self] id, bytes in self?.publisher.received(bytes, from: id) }
        }
        network.downloadRefusal.withLock { $0 = { id in reader.refusal(of: id) } }
        if let seller, settings.floors.downloadPerGiB.units > 0 {
            // Parts kept for publishers (not the node's own elements) go only to peers that pay for them.
            network.servingGate.withLock {
                $0 = { id, kind, hash in
                    guard kind == .part, !data.store.contains(hash), sold.holds(hash) else { return true }
                    return await seller.admits(hash, to: id)
                }
            }
        }
        network.onServed.withLock {
            $0 = { [weak self] id, kind, hash, count in
                if kind == .part { self?.seller?.served(hash, bytes: count, to: id) }
            }
        }
    }

    /// Runs the market's round every second until cancelled.
    func run() async {
        while !Task.isCancelled {
            seller?.tick()
            reader.tick()
            publisher.tick()
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }

    private func receive(_ bytes: [UInt8], from id: ConnectionID) {
        let message: MarketMessage
        do { message = try MarketMessageCodec.decode(bytes) } catch {
            link.complain(about: id, "an unreadable market message: \(error)")
            return
        }
        switch message {
        case .join, .stored, .storeRefused, .paymentAccepted, .paymentRefused:
            publisher.handle(message, from: id)
        case .contract, .store, .payment, .end, .joinRefused, .downloadContract, .downloadDeclined:
            seller?.handle(message, from: id)
        case .downloadTerms(let terms):
            publisher.queue.async { [reader] in reader.received(terms, from: id) }
        }
    }

    /// Every contract on both sides.
    func contracts() throws -> [ContractInfo] {
        try store.contracts().map { record in
            ContractInfo(
                record,
                parts: (try? store.parts(role: record.role, task: record.task, peerKey: record.peerKey).count) ?? 0
            )
        }.sorted { ($0.role.rawValue, $0.task, $0.peer) < ($1.role.rawValue, $1.task, $1.peer) }
    }

    func totals() throws -> MarketTotals {
        let all = try store.contracts()
        let selling = all.filter { $0.role == .seller }
        let buying = all.filter { $0.role == .publisher }
        return MarketTotals(
            incomeUnits: selling.reduce(0) { $0 + $1.paidCharge.units },
            spendingUnits: buying.reduce(0) { $0 + $1.paidCharge.units },
            sellingContracts: selling.count,
            buyingContracts: buying.count,
            soldBytes: selling.filter { $0.state == .active }.reduce(0) { $0 + $1.heldBytes },
            roomBytes: Int64(clamping: settings.selling?.roomBytes ?? 0),
            statesSigned: publisher.statesSigned.load(ordering: .relaxed),
            paymentMessages: publisher.paymentMessages.load(ordering: .relaxed)
        )
    }
}
