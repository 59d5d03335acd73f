import Chain
import Dispatch
import Logging
import Market
import Synchronization
import ZenFS

/// The selling side of the market: watches the chain for storage task offers, judges each with the node's
/// policy, announces acceptances with proof-of-work, joins the publishers' circuits, keeps the parts it is paid
/// for (within its room), checks every channel state before keeping it, cuts off a publisher more than one
/// interval plus the grace late, and closes each channel on chain with the best state when the lease ends.
/// Work runs in order on one queue, off the network's event loops.
final class SellerService: Sendable {
    let policy: SellingPolicy
    let settings: MarketSettings
    let store: MarketStore
    /// Where sold parts are kept: apart from the node's own elements, so its room is exact and `gc` never
    /// touches a paid part.
    let soldParts: SoldParts
    var sold: ElementStore { soldParts.store }
    let link: MarketLink
    let chain: ChainManager
    let chainService: ChainService
    let identity: LocalIdentity
    /// The key channel payments are locked to (the wallet's first key).
    let payee: PrivateKey
    let clock: MarketClock
    let logger: Logger
    let queue = DispatchQueue(label: "zenfs.market.seller")
    /// Offers already judged (by task id), so each is judged once per run.
    private let judged = Mutex<Set<Hash256>>([])
    /// When each contract's payment fell due (by task and publisher key).
    private let watches = Mutex<[String: PaymentWatch]>([:])
    /// Units a payer may lag by rounding and the skew of two meters' clocks.
    static let slack = Amount(units: 2)
    /// Joins being sent (by task and publisher key), so a round never sends a second one meanwhile.
    private let joining = Mutex<Set<String>>([])
    /// The connection each publisher (by identity key) was last heard on.
    private let publishers = Mutex<[String: ConnectionID]>([:])
    /// The download terms last sent to each reader: for which of its channels (nil: it had none) and when; and
    /// when each reader last declined them.
    private let termsSent = Mutex<[String: (channel: String?, at: Int64)]>([:])
    private let readersDeclined = Mutex<[String: Int64]>([:])
    /// Bytes admitted to each download contract (by task and reader key), counted before they are served so
    /// parallel requests never overdraw the channel.
    private let admitted = Mutex<[String: UInt64]>([:])
    /// Parts admitted to each reader's download channel and not yet sent (by reader key).
    private let unserved = Mutex<[String: Int]>([:])
    /// Parts sent to keep that wait for the next group commit, and whether a drain is queued.
    let pendingStores = Mutex<(items: [PartToKeep], draining: Bool)>(([], false))
    /// How long a reader's request for a paid part waits for its channel, in tenths of a second.
    static let channelWaitTenths = 100

    init(
        policy: SellingPolicy,
        settings: MarketSettings,
        store: MarketStore,
        sold: SoldParts,
        link: MarketLink,
        chain: ChainManager,
        chainService: ChainService,
        identity: LocalIdentity,
        payee: PrivateKey,
        clock: @escaping MarketClock,
        logger: Logger
    ) {
        self.policy = policy
        self.settings = settings
        self.store = store
        soldParts = sold
        self.link = link
        self.chain = chain
        self.chainService = chainService
        self.identity = identity
        self.payee = payee
        self.clock = clock
        self.logger = logger
        refreshServable()
    }

    /// Bytes kept for all live contracts.
    var heldBytes: UInt64 {
        let contracts = (try? store.contracts(role: .seller)) ?? []
        return contracts.filter { $0.state == .active || $0.state == .cutOff }.reduce(0) { $0 + UInt64($1.heldBytes) }
    }

    // MARK: The periodic round

    /// One round: new offers judged, contracts metered, late payers cut off, ended leases closed.
    func tick() {
        queue.sync {
            judgeNewOffers()
            maintainContracts()
        }
    }

    private func judgeNewOffers() {
        let announcements = chain.poolState.announcements
        for (id, live) in announcements {
            guard case .task(let offer) = live.announcement.body, offer.storage != nil,
                live.announcement.issuer.publicKey != identity.identity.publicKey
            else { continue }
            let fresh = judged.withLock { $0.insert(id).inserted }
            guard fresh else { continue }
            let publisherKey = live.announcement.issuer.publicKey.description
            if (try? store.contract(role: .seller, task: id.description, peerKey: publisherKey)) != nil { continue }
            let committed = ((try? store.contracts(role: .seller)) ?? [])
                .filter { $0.state == .accepted || $0.state == .active }
                .reduce(UInt64(0)) { $0 + UInt64(max($1.promisedBytes, $1.heldBytes)) }
            switch policy.judge(offer, publisher: live.announcement.issuer, committedBytes: committed) {
            case .refused(let reasons):
                logger.info(
                    "refused storage task \(id.description.prefix(16)): \(reasons.map(\.description).joined(separator: "; "))"
                )
            case .accepted(let rates, let lease):
                accept(task: id, offer: offer, publisher: live.announcement.issuer, rates: rates, lease: lease)
            }
        }
    }

    private func accept(task: Hash256, offer: TaskOffer, publisher: MinedIdentity, rates: StorageRates, lease: Int64) {
        var target = chain.network.chain.acceptanceTarget
        for bits in [offer.requiredAcceptanceBits, settings.acceptanceBits].compactMap({ $0 }) {
            if let stricter = CompactTarget(bits: bits), stricter.value < target.value { target = stricter }
        }
        var acceptance = SignedAnnouncement(
            issuer: identity.identity,
            body: .acceptance(task: task),
            timeoutBlocks: max(2, offer.acceptanceWindowBlocks)
        )
        do {
            guard acceptance.mine(target: target, attempts: 1 << 26) else {
                logger.warning("no acceptance nonce met the target for task \(task)")
                return
            }
            try acceptance.sign(with: identity.privateKey)
            try chainService.submit(.announcement(acceptance))
        } catch {
            logger.warning("cannot announce the acceptance of task \(task): \(error)")
            return
        }
        let now = clock()
        var record = ContractRecord.new(
            role: .seller,
            task: task,
            peerKey: publisher.publicKey,
            peerAddress: offer.connectAddress,
            now: now
        )
        record.promisedBytes = Int64(offer.storage?.bytesPerHolder ?? 0)
        record.storagePrice = rates.storagePerGiBMonth.units
        record.uploadPrice = rates.uploadPerGiB.units
        record.downloadPrice = rates.downloadPerGiB.units
        record.payoutInterval = Int64(offer.payoutIntervalSeconds)
        record.endsAt = now + lease
        let transaction = Transaction.announcement(acceptance)
        record.acceptance = transaction.id.description
        do { try store.save(record) } catch {
            logger.warning("cannot record the acceptance of task \(task): \(error)")
            return
        }
        logger.info("accepted storage task \(task.description.prefix(16)) from \(offer.connectAddress)")
        join(record, acceptanceTransaction: transaction)
    }

    /// Connects to the publisher's address, checks that the identity there is the publisher's, and asks to join.
    private func join(_ record: ContractRecord, acceptanceTransaction: Transaction? = nil) {
        guard let address = PeerAddress(parsing: record.peerAddress), let task = record.taskID,
            let acceptance = record.acceptance.flatMap(Hex.decode).flatMap(Hash256.init(bytes:)),
            joining.withLock({ $0.insert(record.task + record.peerKey).inserted })
        else { return }
        let network = link.network
        let request = JoinRequest(
            task: task,
            acceptance: acceptance,
            payee: payee.publicKey,
            rates: record.rates,
            roomBytes: UInt64(record.promisedBytes),
            leaseSeconds: max(0, record.endsAt - record.createdAt)
        )
        Task { [self] in
            defer { _ = joining.withLock { $0.remove(record.task + record.peerKey) } }
            do {
                let id = try await network.connect(to: address)
                guard link.identityKey(of: id)?.description == record.peerKey else {
                    logger.warning("the node at \(address) is not the publisher of task \(task); not joining")
                    return
                }
                publishers.withLock { $0[record.peerKey] = id }
                if let acceptance = acceptanceTransaction { network.send(.transaction(acceptance.encoded), to: id) }
                link.send(.join(request), to: id)
            } catch {
                logger.info("cannot reach the publisher of task \(task) at \(address): \(error)")
            }
        }
    }

    private func maintainContracts() {
        let now = clock()
        guard let contracts = try? store.contracts(role: .seller) else { return }
        let height = UInt32(chain.tip.height)
        for var record in contracts {
            switch record.state {
            case .accepted:
                if record.channel != nil {
                    activateIfFunded(&record, now: now)
                } else if now - record.createdAt > 600 {
                    record.state = .closed
                    try? store.save(record)
                } else if publishers.withLock({ $0[record.peerKey] }).flatMap(link.identityKey(of:)) == nil {
                    join(record)
                }
            case .active:
                var meter = record.meter
                meter.advance(to: now, end: record.endsAt)
                record.meter = meter
                let key = record.task + record.peerKey
                let owed = record.rates.charge(for: meter.usage) + Amount(units: record.closeFee)
                let late = watches.withLock { table -> Bool in
                    var watch = table[key] ?? PaymentWatch(intervalSeconds: record.payoutInterval, slack: Self.slack)
                    watch.observe(paid: Amount(units: record.stateAmount), owed: owed, now: now)
                    table[key] = watch
                    return watch.isLate(now: now, graceSeconds: settings.graceSeconds)
                }
                if late {
                    logger.warning(
                        "publisher \(record.peerKey.prefix(16)) is more than one interval late: no more serving or storing for task \(record.task.prefix(16))"
                    )
                    record.state = .cutOff
                    try? store.save(record)
                    close(&record, reason: "payment late")
                } else if now >= record.endsAt + settings.graceSeconds
                    || record.expiry.map({ height + 3 >= UInt32($0) }) == true
                {
                    close(&record, reason: "lease over")
                } else {
                    try? store.save(record)
                    if publishers.withLock({ $0[record.peerKey] }).flatMap(link.identityKey(of:)) == nil {
                        join(record)
                    }
                }
            case .cutOff, .ended:
                close(&record, reason: "lease over")
            case .closed:
                break
            }
        }
    }

    private func activateIfFunded(_ record: inout ContractRecord, now: Int64) {
        guard let channel = record.channel, let terms = record.channelTerms else { return }
        guard let unspent = chain.poolState.unspent[channel], unspent.output.lock == .channel(terms),
            unspent.output.amount.units == record.funding
        else { return }
        record.state = .active
        record.lastPaidAt = now
        record.meteredUntil = now
        try? store.save(record)
        logger.info(
            "contract for task \(record.task.prefix(16)) active: channel \(channel) holds \(Amount(units: record.funding)) ZEN"
        )
    }

    /// Closes the channel on chain with the best state (when it pays anything beyond the close fee) and lets go
    /// of the contract's parts.
    private func close(_ record: inout ContractRecord, reason: String) {
        if record.closeTransaction == nil {
            do {
                if let transaction = try PayeeChannelClose.submit(
                    channel: record.channel,
                    terms: record.channelTerms,
                    funding: record.funding,
                    stateAmount: record.stateAmount,
                    stateSignature: record.stateSignature,
                    closeFee: record.closeFee,
                    payee: payee,
                    through: chainService
                ) {
                    record.closeTransaction = transaction.id.description
                    logger.info(
                        "closed the channel of task \(record.task.prefix(16)) (\(reason)): \(record.paidCharge) ZEN earned, transaction \(transaction.id)"
                    )
                }
            } catch {
                logger.warning("cannot close the channel of task \(record.task.prefix(16)) yet: \(error)")
                return
            }
        }
        var meter = record.meter
        meter.released(meter.heldBytes, at: min(clock(), record.endsAt))
        record.meter = meter
        record.state = .closed
        try? store.save(record)
        dropParts(of: record)
    }

    /// Removes the contract's parts from the sold store, unless another live contract covers them.
    private func dropParts(of record: ContractRecord) {
        let parts = (try? store.parts(role: .seller, task: record.task, peerKey: record.peerKey)) ?? []
        try? store.removeParts(role: .seller, task: record.task, peerKey: record.peerKey)
        let stillCovered = (try? store.soldParts(in: [.active, .cutOff, .accepted])) ?? [:]
        for part in parts where stillCovered[part.hash] == nil {
            if let hash = SHA1Digest(hex: part.hash) { try? sold.remove(hash) }
        }
        refreshServable()
    }

    func refreshServable() {
        let live = (try? store.soldParts(in: [.active])) ?? [:]
        soldParts.servable.withLock { $0 = Set(live.keys.compactMap(SHA1Digest.init(hex:))) }
    }

    // MARK: Messages from publishers

    func handle(_ message: MarketMessage, from id: ConnectionID) {
        if case .store(let requestID, let task, let hash, let bytes) = message {
            // Parts to keep are made durable in groups (see `keepAll`).
            let start = pendingStores.withLock { pending -> Bool in
                pending.items.append(PartToKeep(requestID: requestID, task: task, hash: hash, bytes: bytes, from: id))
                defer { pending.draining = true }
                return !pending.draining
            }
            if start { queue.async { self.drainStores() } }
            return
        }
        queue.async { [self] in
            guard let publisherKey = link.identityKey(of: id)?.description else { return }
            switch message {
            case .contract(let terms): receive(terms, publisherKey: publisherKey, from: id)
            case .store:
                break
            case .payment(let task, let channel, let amount, let signature):
                pay(
                    task: task,
                    channel: channel,
                    amount: amount,
                    signature: signature,
                    publisherKey: publisherKey,
                    from: id
                )
            case .end(let task):
                guard var record = try? store.contract(role: .seller, task: task.description, peerKey: publisherKey),
                    record.state == .active || record.state == .cutOff
                else { return }
                var meter = record.meter
                meter.advance(to: clock(), end: record.endsAt)
                record.meter = meter
                close(&record, reason: "the publisher ended the contract")
            case .downloadContract(let terms): receiveDownload(terms, readerKey: publisherKey, from: id)
            case .downloadDeclined(let reason):
                readersDeclined.withLock { $0[publisherKey] = clock() }
                logger.info("reader \(publisherKey.prefix(16)) declined this node's download terms: \(reason)")
            case .joinRefused(let task, let reason):
                logger.info("the publisher of task \(task.description.prefix(16)) refused this node: \(reason)")
                if var record = try? store.contract(role: .seller, task: task.description, peerKey: publisherKey),
                    record.state == .accepted, record.channel == nil
                {
                    record.state = .closed
                    try? store.save(record)
                }
            case .join, .stored, .storeRefused, .paymentAccepted, .paymentRefused, .downloadTerms:
                break
            }
        }
    }

    // MARK: Readers

    /// Whether a paid part may go to the peer on `id`: free when this node asks nothing for downloads; otherwise
    /// only to a peer with an active contract (a publisher, or a reader with a download channel). A peer without
    /// one is sent the terms and its request waits (a bounded time) for its channel; it is refused when it
    /// declines or no channel comes.
    func admits(_ hash: SHA1Digest, to id: ConnectionID) async -> Bool {
        guard policy.floors.downloadPerGiB.units > 0 else { return true }
        guard let key = link.identityKey(of: id)?.description else { return false }
        let size = UInt64(max(0, sold.size(of: hash) ?? 0))
        for tenth in 0..<Self.channelWaitTenths {
            if (try? store.hasContract(role: .seller, peerKey: key, in: [.active], purpose: .storage)) == true {
                return true
            }
            let download = try? store.activeDownloadContract(role: .seller, peerKey: key)
            if let download, admit(size, to: download) {
                unserved.withLock { $0[key, default: 0] += 1 }
                return true
            }
            // A spent channel is replaced only once the parts it paid for were sent, so the reader meters
            // them on it too (they reach it before the terms).
            if download != nil, (unserved.withLock { $0[key] } ?? 0) > 0, tenth < 30 {
                try? await Task.sleep(nanoseconds: 100_000_000)
                continue
            }
            // No channel, or one that cannot pay for this part: ask for one (once per channel).
            let sentAt = offerTerms(to: id, readerKey: key, exhausted: download?.task)
            if let declined = readersDeclined.withLock({ $0[key] }), declined >= sentAt { return false }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        logger.info("reader \(key.prefix(16)) opened no download channel: part \(hash) not served")
        return false
    }

    /// Counts `bytes` against a download contract when its channel pays for them.
    private func admit(_ bytes: UInt64, to contract: ContractRecord) -> Bool {
        admitted.withLock { table in
            let key = contract.task + contract.peerKey
            let before = table[key] ?? UInt64(max(0, contract.downloadedBytes))
            guard
                DownloadFunds.covers(
                    funding: Amount(units: contract.funding),
                    closeFee: Amount(units: contract.closeFee),
                    downloadPerGiB: Amount(units: contract.downloadPrice),
                    admittedBytes: before,
                    nextBytes: bytes
                )
            else { return false }
            table[key] = before + bytes
            return true
        }
    }

    /// Sends the download terms to a reader once for each channel it spent (or once when it has none, again
    /// after 30 s); returns when they were last sent.
    private func offerTerms(to id: ConnectionID, readerKey: String, exhausted channel: String?) -> Int64 {
        let now = clock()
        let (fresh, sentAt) = termsSent.withLock { table -> (Bool, Int64) in
            if let sent = table[readerKey], sent.channel == channel, channel != nil || now - sent.at < 30 {
                return (false, sent.at)
            }
            table[readerKey] = (channel, now)
            return (true, now)
        }
        guard fresh else { return sentAt }
        link.send(
            .downloadTerms(
                DownloadTerms(
                    payee: payee.publicKey,
                    downloadPerGiB: policy.floors.downloadPerGiB,
                    minimumPayoutIntervalSeconds: Int32(clamping: policy.minimumPayoutIntervalSeconds)
                )
            ),
            to: id
        )
        return sentAt
    }

    /// A reader's download channel: kept when its terms are this node's (its payee key, its download price and
    /// nothing else, a lease within the longest it signs), active once the funding is seen.
    private func receiveDownload(_ terms: ContractTerms, readerKey: String, from id: ConnectionID) {
        guard let reader = link.identityKey(of: id) else { return }
        if (try? store.contract(role: .seller, task: terms.task.description, peerKey: readerKey)) != nil { return }
        let now = clock()
        guard terms.channelTerms.payee == payee.publicKey,
            terms.rates.downloadPerGiB == policy.floors.downloadPerGiB, terms.rates.storagePerGiBMonth.units == 0,
            terms.rates.uploadPerGiB.units == 0, terms.funding.units > terms.closeFee.units,
            terms.payoutIntervalSeconds > 0, Int64(terms.payoutIntervalSeconds) >= policy.minimumPayoutIntervalSeconds,
            terms.endsAt <= now + policy.maximumLeaseSeconds + 120
        else {
            link.complain(about: id, "a download contract whose terms are not this node's")
            return
        }
        var record = ContractRecord.new(
            role: .seller,
            task: terms.task,
            peerKey: reader,
            peerAddress: "",
            now: now,
            purpose: .download
        )
        record.adopt(terms)
        do { try store.save(record) } catch {
            logger.warning("cannot record a download contract: \(error)")
            return
        }
        activateIfFunded(&record, now: now)
    }

    private func receive(_ terms: ContractTerms, publisherKey: String, from id: ConnectionID) {
        publishers.withLock { $0[publisherKey] = id }
        guard var record = try? store.contract(role: .seller, task: terms.task.description, peerKey: publisherKey)
        else {
            link.complain(about: id, "a contract for a task this node never accepted")
            return
        }
        if record.state == .active, record.channel == terms.channel { return }
        guard record.state == .accepted else { return }
        guard terms.channelTerms.payee == payee.publicKey, terms.rates == record.rates,
            terms.funding.units >= terms.closeFee.units, terms.endsAt <= clock() + policy.maximumLeaseSeconds + 120
        else {
            link.complain(about: id, "a contract whose terms differ from this node's join")
            return
        }
        record.adopt(terms)
        activateIfFunded(&record, now: clock())
        if record.state == .accepted { try? store.save(record) }
    }

    private func pay(
        task: Hash256,
        channel: OutPoint,
        amount: Amount,
        signature: Signature,
        publisherKey: String,
        from id: ConnectionID
    ) {
        guard var record = try? store.contract(role: .seller, task: task.description, peerKey: publisherKey),
            record.state == .active || record.state == .accepted, var payee = PayeeChannel(record: record)
        else {
            link.send(.paymentRefused(task: task, reason: "no live contract for this task"), to: id)
            return
        }
        if amount.units == record.stateAmount, record.stateSignature == Hex.encode(signature.bytes) {
            // The publisher did not see the confirmation: confirm again, nothing changes.
            link.send(.paymentAccepted(task: task, amount: amount), to: id)
            return
        }
        do {
            guard channel == record.channel else { throw ChannelStateError.unknownChannel }
            try payee.receive(amount: amount, signature: signature, now: clock())
            record.stateAmount = payee.latestAmount.units
            record.stateSignature = payee.latestSignature.map { Hex.encode($0.bytes) }
            record.lastPaidAt = payee.lastPaidAt
            try store.save(record)
            link.send(.paymentAccepted(task: task, amount: amount), to: id)
        } catch let error as ChannelStateError {
            link.complain(about: id, "refused channel state: \(error)")
            link.send(.paymentRefused(task: task, reason: error.description), to: id)
        } catch {
            logger.warning("cannot record a channel state for task \(task): \(error)")
        }
    }

    /// Meters a sold part served to the publisher that pays for it.
    func served(_ hash: SHA1Digest, bytes: Int, to id: ConnectionID) {
        guard soldParts.servable.withLock({ $0.contains(hash) }), let key = link.identityKey(of: id)?.description else {
            return
        }
        unserved.withLock { table in
            if let count = table[key], count > 0 { table[key] = count - 1 }
        }
        queue.async { [self] in try? store.meterDownload(role: .seller, peerKey: key, hash: hash.hex, bytes: bytes) }
    }
}

/// Why a holder refused to keep a part, as the publisher reads it.
enum StoreRefusal: Error, CustomStringConvertible {
    case noContract
    case notActive(ContractState)
    case corrupt
    case noRoom(free: UInt64)
    case overPromise(promised: UInt64)
    case cannotStore(String)

    var description: String {
        switch self {
        case .noContract: "no contract with this publisher for that task"
        case .notActive(let state):
            "the contract is \(state.rawValue), not active (is payment late, or the channel unconfirmed?)"
        case .corrupt: "the part's bytes do not match its hash"
        case .noRoom(let free): "this holder has no room left: \(free) bytes free of what it sells"
        case .overPromise(let promised): "the contract covers \(promised) bytes and they are used up"
        case .cannotStore(let reason): "the holder cannot store the part: \(reason)"
        }
    }
}

extension PayeeChannel {
    /// The payee's channel of a contract that has one.
    init?(record: ContractRecord) {
        guard let channel = record.channel, let terms = record.channelTerms else { return nil }
        self.init(
            channel: channel,
            terms: terms,
            funding: Amount(units: record.funding),
            openedAt: record.lastPaidAt,
            latestAmount: Amount(units: record.stateAmount),
            latestSignature: record.stateSignature.flatMap(Hex.decode).flatMap(Signature.init(bytes:))
        )
    }
}
