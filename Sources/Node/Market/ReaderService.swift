import Chain
import Logging
import Market
import Synchronization
import ZenFS

/// The reading side of the market: when a holder asks to be paid for the parts it keeps for publishers, opens and
/// funds a channel to it for a bounded number of bytes at its price (or declines a holder dearer than the node's
/// `max_price_download`), and ends the reading session once no bytes came for a few intervals. The channel is
/// paid every interval for the bytes received, by the publisher side's rounds, like a storage contract.
final class ReaderService: Sendable {
    let store: MarketStore
    let link: MarketLink
    let publisher: PublisherService
    let chain: ChainManager
    let settings: MarketSettings
    let clock: MarketClock
    let logger: Logger
    /// Holders (by connection) this node declined, with why: a fetch that finds only these says so.
    private let declined = Mutex<[ConnectionID: DownloadDeclineReason]>([:])
    /// Holders whose channel is being opened now, so a second request of theirs opens no second one.
    private let opening = Mutex<Set<String>>([])
    /// Per download contract (task and holder key): the bytes last seen and since when they stayed the same.
    private let quiet = Mutex<[String: (bytes: Int64, since: Int64)]>([:])
    /// The reader's own payout interval (the holder's minimum is used when longer).
    static let payoutIntervalSeconds: Int64 = 2
    /// The longest a reading session's contract runs before a new one is opened.
    static let sessionSeconds: Int64 = 600

    init(
        store: MarketStore,
        link: MarketLink,
        publisher: PublisherService,
        chain: ChainManager,
        settings: MarketSettings,
        clock: @escaping MarketClock,
        logger: Logger
    ) {
        self.store = store
        self.link = link
        self.publisher = publisher
        self.chain = chain
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    /// Why this node does not read from the holder on `id`, if it declined it.
    func refusal(of id: ConnectionID) -> String? { declined.withLock { $0[id] }?.description }

    /// A holder's terms: opens a funded channel to it, or declines it.
    func received(_ terms: DownloadTerms, from id: ConnectionID) {
        guard let holder = link.identityKey(of: id)?.description else { return }
        // Terms from a holder this node already pays: its channel cannot pay for more, so a new one replaces it.
        let spent = try? store.activeDownloadContract(role: .publisher, peerKey: holder)
        let plan = DownloadChannelPlan.decide(
            terms,
            ceiling: settings.maximumDownloadPrice,
            allowanceBytes: settings.downloadAllowanceBytes,
            payoutIntervalSeconds: Self.payoutIntervalSeconds,
            closeFee: PublisherService.fee
        )
        switch plan {
        case .decline(let reason):
            declined.withLock { $0[id] = reason }
            logger.info("not reading from holder \(holder.prefix(16)): \(reason)")
            link.send(.downloadDeclined(reason: reason.description), to: id)
        case .open(let funding, let interval):
            guard opening.withLock({ $0.insert(holder).inserted }) else { return }
            defer { _ = opening.withLock { $0.remove(holder) } }
            do {
                try open(to: holder, on: id, terms: terms, funding: funding, interval: interval)
                if var spent {
                    // Its last state and the end go out with the next round; the holder closes it on chain.
                    spent.endsAt = min(spent.endsAt, clock())
                    try store.save(spent)
                    logger.info("topped up: a new download channel replaces the spent one of \(spent.task.prefix(16))")
                }
            } catch {
                logger.warning("cannot open a download channel to holder \(holder.prefix(16)): \(error)")
                link.send(.downloadDeclined(reason: "the reader cannot fund a channel: \(error)"), to: id)
            }
        }
    }

    private func open(to holder: String, on id: ConnectionID, terms: DownloadTerms, funding: Amount, interval: Int64)
        throws
    {
        let now = clock()
        let expiry = chain.expiryHeight(coveringSeconds: Self.sessionSeconds + 4 * settings.graceSeconds + 60)
        let channelTerms = ChannelTerms(payer: publisher.payer.publicKey, payee: terms.payee, expiry: expiry)
        let transaction = try publisher.fundChannels([(channelTerms, funding)])
        var session = [UInt8](repeating: 0, count: 32)
        for index in session.indices { session[index] = UInt8.random(in: 0...255) }
        let contract = ContractTerms(
            task: Hash256(bytes: session)!,
            channel: OutPoint(transaction: transaction.id, index: 0),
            channelTerms: channelTerms,
            funding: funding,
            rates: StorageRates(
                storagePerGiBMonth: Amount(units: 0),
                uploadPerGiB: Amount(units: 0),
                downloadPerGiB: terms.downloadPerGiB
            ),
            payoutIntervalSeconds: Int32(clamping: interval),
            endsAt: now + Self.sessionSeconds,
            closeFee: PublisherService.fee
        )
        guard let holderKey = Hex.decode(holder).flatMap({ try? PublicKey(bytes: $0) }) else { return }
        var record = ContractRecord.new(
            role: .publisher,
            task: contract.task,
            peerKey: holderKey,
            peerAddress: "",
            now: now,
            purpose: .download
        )
        record.adopt(contract)
        record.state = .active
        record.lastPaidAt = now - interval
        try store.save(record)
        publisher.adoptHolder(holder, on: id)
        link.network.send(.transaction(transaction.encoded), to: id)
        link.send(.downloadContract(contract), to: id)
        logger.info(
            "opened a download channel to holder \(holder.prefix(16)): \(funding) ZEN at \(terms.downloadPerGiB) ZEN/GiB"
        )
    }

    /// One round: a reading session that received nothing for three intervals ends (its last state and the end
    /// go out with the publisher side's next round).
    func tick() { publisher.queue.sync { endQuietSessions() } }

    private func endQuietSessions() {
        let now = clock()
        let sessions = ((try? store.contracts(role: .publisher)) ?? []).filter {
            $0.purpose == .download && $0.state == .active && $0.endsAt > now
        }
        for var record in sessions {
            let key = record.task + record.peerKey
            let since = quiet.withLock { table -> Int64 in
                if let seen = table[key], seen.bytes == record.downloadedBytes { return seen.since }
                table[key] = (record.downloadedBytes, now)
                return now
            }
            guard now - since >= 3 * abs(record.payoutInterval) else { continue }
            record.endsAt = now
            try? store.save(record)
            _ = quiet.withLock { $0.removeValue(forKey: key) }
            logger.info("reading session with holder \(record.peerKey.prefix(16)) is over: closing its channel")
        }
    }
}
