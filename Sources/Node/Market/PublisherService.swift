import Chain
import Dispatch
import Foundation
import Logging
import Market
import Synchronization
import ZenFS

/// The publishing side of the market: for `zenfs upload`, offers a storage task on chain, takes the acceptances
/// that come within the window, funds one channel per holder in one transaction, places every part on
/// `replicas` distinct holders and records each placement; then pays each holder every payout interval for its
/// metered usage, stops paying a holder that stops answering, ends the contracts at the lease's end and takes
/// back what an expired channel still holds.
final class PublisherService: Sendable {
    let data: DataDirectory
    let store: MarketStore
    let link: MarketLink
    let chain: ChainManager
    let chainService: ChainService
    let identity: LocalIdentity
    /// The wallet's keys: the first is the channels' payer.
    let keys: [PrivateKey]
    let settings: MarketSettings
    let advertised: PeerAddress
    let clock: MarketClock
    let logger: Logger
    let queue = DispatchQueue(label: "zenfs.market.publisher")
    /// The fee of every transaction the market makes (funding, close, refund).
    static let fee = Wallet.fee
    /// Parts in flight to one holder at a time.
    static let window = 16

    struct PendingJoin {
        let request: JoinRequest
        let connection: ConnectionID
        let holderKey: PublicKey
        let address: String
    }

    /// A part a holder kept, waiting to be recorded.
    struct PlacementToRecord {
        let part: PartToPlace
        let task: String
        let holder: String
        let done: CheckedContinuation<Void, Never>
    }

    struct StoreWaiter {
        let continuation: CheckedContinuation<String?, Never>
    }

    private let joins = Mutex<[Hash256: [PendingJoin]]>([:])
    private let holders = Mutex<[String: ConnectionID]>([:])
    private let lastAnswer = Mutex<[String: Int64]>([:])
    /// The best state each holder confirmed (by task and holder key), so an unconfirmed one is sent again.
    private let confirmed = Mutex<[String: Int64]>([:])
    private let waiters = Mutex<[UInt32: StoreWaiter]>([:])
    /// Placements waiting for the next group write, and whether a drain is queued.
    private let pendingPlacements = Mutex<(items: [PlacementToRecord], draining: Bool)>(([], false))
    /// Held while a funding transaction is built and submitted.
    private let funding = Mutex<Void>(())
    private let nextRequest = Atomic<UInt32>(1)
    let progress = Mutex<[String: UploadProgress]>([:])
    /// Channel states signed and payment messages sent since the node started.
    let statesSigned = Atomic<Int>(0)
    let paymentMessages = Atomic<Int>(0)
    /// Set by proof of storage (`Sources/Node/PPS`): what a contract under checkpoints may be paid.
    let proofGate = Mutex<ProofGate?>(nil)
    /// Set by proof of storage: why a holder may not join a new task (it failed a checkpoint); nil: it may.
    let holderBar = Mutex<HolderBar?>(nil)

    init(
        data: DataDirectory,
        store: MarketStore,
        link: MarketLink,
        chain: ChainManager,
        chainService: ChainService,
        identity: LocalIdentity,
        keys: [PrivateKey],
        settings: MarketSettings,
        advertised: PeerAddress,
        clock: @escaping MarketClock,
        logger: Logger
    ) {
        self.data = data
        self.store = store
        self.link = link
        self.chain = chain
        self.chainService = chainService
        self.identity = identity
        self.keys = keys
        self.settings = settings
        self.advertised = advertised
        self.clock = clock
        self.logger = logger
    }

    var payer: PrivateKey { keys[0] }

    // MARK: Uploads

    /// Starts (or resumes) an upload in the background; its progress is read with `progress(of:)`.
    func start(_ order: UploadOrder) throws {
        guard let infoHash = SHA1Digest(hex: order.infoHash), let record = try data.catalog.metainfo(infoHash) else {
            throw PublisherError.unknownContent(order.infoHash)
        }
        let claimed = progress.withLock { table -> Bool in
            if let running = table[order.infoHash], running.phase != .done, running.phase != .failed { return false }
            table[order.infoHash] = UploadProgress(infoHash: order.infoHash, phase: .offering)
            return true
        }
        guard claimed else { throw PublisherError.alreadyRunning(order.infoHash) }
        let metainfo = try Metainfo(parsing: try data.store.read(record.element, verify: true))
        let parts = Self.parts(of: metainfo)
        do {
            try checkFunds(order, totalBytes: parts.reduce(0) { $0 + $1.bytes })
        } catch {
            update(order.infoHash) {
                $0.phase = .failed
                $0.error = "\(error)"
            }
            throw error
        }
        Task { await self.run(order, parts: parts) }
    }

    /// The upload's progress, with the cost paid so far read when asked (not at every placement).
    func progress(of infoHash: String) -> UploadProgress? {
        guard var entry = progress.withLock({ $0[infoHash] }) else { return nil }
        entry.costUnits = ((try? store.contracts(role: .publisher)) ?? []).reduce(0) { $0 + $1.paidCharge.units }
        return entry
    }

    private func update(_ infoHash: String, _ change: (inout UploadProgress) -> Void) {
        progress.withLock { table in
            if var entry = table[infoHash] {
                change(&entry)
                table[infoHash] = entry
            }
        }
    }

    /// Each distinct part of the content, with its size.
    static func parts(of metainfo: Metainfo) -> [PartToPlace] {
        var seen = Set<SHA1Digest>()
        var parts: [PartToPlace] = []
        for (index, hash) in metainfo.info.pieces.enumerated() where seen.insert(hash).inserted {
            parts.append(PartToPlace(hash: hash, bytes: UInt64(metainfo.info.size(ofPiece: index))))
        }
        return parts
    }

    /// The most the upload can cost at the order's maximum prices: every replica sent once and kept for the
    /// whole lease, plus the funding, close and refund fees of `holders` channels.
    static func worstCost(_ order: UploadOrder, totalBytes: UInt64, holders: Int) -> Amount {
        let rates = StorageRates(
            storagePerGiBMonth: Amount(units: order.maxStoragePrice),
            uploadPerGiB: Amount(units: order.maxUploadPrice),
            downloadPerGiB: Amount(units: order.maxDownloadPrice)
        )
        let bytes = totalBytes * UInt64(max(1, order.replicas))
        let usage = StorageUsage(
            uploadedBytes: bytes,
            storedByteSeconds: UInt128(bytes) * UInt128(max(0, order.durationSeconds))
        )
        return rates.charge(for: usage) + Amount(units: fee.units * Int64(1 + 2 * holders))
    }

    private func spendable() -> [(OutPoint, TransactionOutput, PrivateKey)] {
        let state = chain.poolState
        let next = UInt32(state.height + 1)
        let byAddress = Dictionary(keys.map { (Address(publicKey: $0.publicKey), $0) }, uniquingKeysWith: { a, _ in a })
        return state.unspent.compactMap { outpoint, unspent in
            guard case .address(let address) = unspent.output.lock, let key = byAddress[address] else { return nil }
            let mature =
                !unspent.isCoinbase || unspent.height == 0
                || next >= unspent.height + chain.network.chain.coinbaseMaturity
            return mature ? (outpoint, unspent.output, key) : nil
        }.sorted { $0.1.amount > $1.1.amount }
    }

    private func checkFunds(_ order: UploadOrder, totalBytes: UInt64) throws {
        let available = Amount(units: spendable().reduce(0) { $0 + $1.1.amount.units })
        let worst = Self.worstCost(order, totalBytes: totalBytes, holders: max(1, order.replicas))
        let needed = order.budget.map { min(Amount(units: $0), worst) } ?? worst
        guard available >= needed else { throw PublisherError.walletTooSmall(available: available, needed: needed) }
    }

    private func run(_ order: UploadOrder, parts: [PartToPlace]) async {
        let started = Date()
        update(order.infoHash) {
            $0.partsTotal = parts.count
            $0.placementsWanted = parts.count * order.replicas
        }
        do {
            var upload =
                try store.upload(infoHash: order.infoHash)
                ?? UploadRecord(
                    infoHash: order.infoHash,
                    task: nil,
                    replicas: Int64(order.replicas),
                    maxStoragePrice: order.maxStoragePrice,
                    maxUploadPrice: order.maxUploadPrice,
                    maxDownloadPrice: order.maxDownloadPrice,
                    durationSeconds: order.durationSeconds,
                    payoutInterval: order.payoutIntervalSeconds,
                    budget: order.budget,
                    createdAt: clock()
                )
            let totalBytes = parts.reduce(UInt64(0)) { $0 + $1.bytes }
            // Holders of earlier runs that still answer keep their parts; too few fitting ones: hire more.
            var live = liveContracts(tasks: upload.tasks)
            let placed = placements(tasks: upload.tasks, live: live)
            let fullyPlaced = parts.allSatisfy { (placed[$0.hash]?.count ?? 0) >= order.replicas }
            if !fullyPlaced && live.count < order.replicas + 1 {
                let task = try offer(order, totalBytes: totalBytes)
                upload.tasks.append(task.description)
                try store.save(upload)
                update(order.infoHash) {
                    $0.task = task.description
                    $0.phase = .waitingForAcceptances
                }
                let wanted = max(1, order.replicas - live.count)
                let accepted = await awaitJoins(task: task, wanted: wanted, seconds: order.acceptWaitSeconds)
                if accepted.isEmpty && live.isEmpty {
                    throw PublisherError.noAcceptances(task: task.description, waited: order.acceptWaitSeconds)
                }
                update(order.infoHash) { $0.phase = .funding }
                let plan = PlacementPlanner.plan(
                    parts: parts,
                    replicas: order.replicas,
                    holders: (live.map {
                        HolderRoom(holder: $0.peerKey, freeBytes: UInt64(max(0, $0.promisedBytes - $0.heldBytes)))
                    }
                        + accepted.map { HolderRoom(holder: $0.holderKey.description, freeBytes: $0.request.roomBytes) }),
                    placed: placed
                )
                try fund(task: task, joins: accepted, plan: plan, order: order)
                live = liveContracts(tasks: upload.tasks)
            }
            update(order.infoHash) {
                $0.phase = .uploading
                $0.holders = Set(live.map(\.peerKey)).count
            }
            try await place(parts: parts, order: order, upload: upload, started: started)
            let final = placements(tasks: upload.tasks, live: liveContracts(tasks: upload.tasks))
            let counts = parts.map { final[$0.hash]?.count ?? 0 }
            update(order.infoHash) {
                $0.phase = .done
                $0.shortParts = counts.filter { $0 < order.replicas }.count
                $0.fewestReplicas = counts.min()
                $0.secondsElapsed = Date().timeIntervalSince(started)
            }
        } catch {
            logger.warning("upload of \(order.infoHash) failed: \(error)")
            update(order.infoHash) {
                $0.phase = .failed
                $0.error = "\(error)"
            }
        }
    }

    /// Publisher contracts of these tasks whose holders still count (active, not cut off).
    private func liveContracts(tasks: [String]) -> [ContractRecord] {
        ((try? store.contracts(role: .publisher)) ?? []).filter { tasks.contains($0.task) && $0.state == .active }
    }

    /// Which live holders keep each part.
    private func placements(tasks: [String], live: [ContractRecord]) -> [SHA1Digest: Set<String>] {
        let liveKeys = Set(live.map { $0.task + $0.peerKey })
        var result: [SHA1Digest: Set<String>] = [:]
        for task in tasks {
            for (hash, keys) in (try? store.partHolders(role: .publisher, task: task)) ?? [:] {
                guard let digest = SHA1Digest(hex: hash) else { continue }
                for key in keys where liveKeys.contains(task + key) { result[digest, default: []].insert(key) }
            }
        }
        return result
    }

    /// Announces the storage task; returns its id.
    private func offer(_ order: UploadOrder, totalBytes: UInt64) throws -> Hash256 {
        var taskID = [UInt8](repeating: 0, count: 16)
        for index in taskID.indices { taskID[index] = UInt8.random(in: 0...255) }
        let lease = UInt32(clamping: order.durationSeconds)
        let offer = TaskOffer(
            taskID: taskID,
            requirements: VMRequirements(),
            minimumMachines: UInt32(order.replicas),
            connectAddress: advertised.description,
            leaseSeconds: lease...lease,
            payoutIntervalSeconds: Int32(clamping: order.payoutIntervalSeconds),
            ratePerUnit: Amount(units: 0),
            acceptanceWindowBlocks: 10,
            informationURL: "zenfs:\(order.infoHash)",
            storage: StorageTerms(
                bytesPerHolder: totalBytes,
                replicas: UInt16(clamping: order.replicas),
                storagePricePerGiBMonth: Amount(units: order.maxStoragePrice),
                uploadPricePerGiB: Amount(units: order.maxUploadPrice),
                downloadPricePerGiB: Amount(units: order.maxDownloadPrice)
            )
        )
        var announcement = SignedAnnouncement(issuer: identity.identity, body: .task(offer), timeoutBlocks: 60)
        var target = chain.network.chain.taskTarget
        if let stricter = chain.minimumTaskTarget, stricter.value < target.value { target = stricter }
        guard announcement.mine(target: target, attempts: 1 << 26) else {
            throw PublisherError.cannotAnnounce("no nonce met the task work target")
        }
        do {
            try announcement.sign(with: identity.privateKey)
            try chainService.submit(.announcement(announcement))
        } catch {
            throw PublisherError.cannotAnnounce("\(error)")
        }
        let id = Transaction.announcement(announcement).id
        logger.info(
            "offered storage task \(id.description.prefix(16)) for \(order.infoHash) (\(order.replicas) replicas)"
        )
        return id
    }

    /// Waits for `wanted` joins (then a moment for more), or the window.
    private func awaitJoins(task: Hash256, wanted: Int, seconds: Int64) async -> [PendingJoin] {
        joins.withLock { $0[task] = $0[task] ?? [] }
        let deadline = Date().addingTimeInterval(Double(max(1, seconds)))
        var enoughSince: Date?
        while Date() < deadline {
            let count = joins.withLock { $0[task]?.count ?? 0 }
            if count >= wanted {
                if enoughSince == nil { enoughSince = Date() }
                if Date().timeIntervalSince(enoughSince!) >= 1.0 { break }
            }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return joins.withLock { $0.removeValue(forKey: task) ?? [] }
    }

    /// Funds one channel per accepted holder that the plan uses, in one transaction, and sends each its contract.
    private func fund(task: Hash256, joins accepted: [PendingJoin], plan: PlacementPlan<String>, order: UploadOrder)
        throws
    {
        let now = clock()
        let endsAt = now + order.durationSeconds
        let expiry = chain.expiryHeight(coveringSeconds: order.durationSeconds + 4 * settings.graceSeconds + 60)
        var channels: [(PendingJoin, ChannelTerms, Amount)] = []
        for join in accepted {
            let bytes = (plan.assignments[join.holderKey.description] ?? []).reduce(UInt64(0)) { $0 + $1.bytes }
            guard bytes > 0 else {
                link.send(
                    .joinRefused(task: task, reason: "enough holders accepted before this one"),
                    to: join.connection
                )
                continue
            }
            let usage = StorageUsage(
                uploadedBytes: bytes,
                storedByteSeconds: UInt128(bytes) * UInt128(order.durationSeconds)
            )
            // The lease's storage and upload, a download allowance of one full read, the close fee, a unit of slack.
            var need = join.request.rates.charge(for: usage)
            need =
                need + join.request.rates.charge(for: StorageUsage(downloadedBytes: bytes)) + Self.fee
                + Amount(units: 1)
            channels.append(
                (join, ChannelTerms(payer: payer.publicKey, payee: join.request.payee, expiry: expiry), need)
            )
        }
        guard !channels.isEmpty else { return }
        let total = channels.reduce(Amount(units: 0)) { $0 + $1.2 } + Self.fee
        if let budget = order.budget, total.units > budget {
            throw PublisherError.budgetTooSmall(budget: Amount(units: budget), needed: total)
        }
        let transaction = try fundChannels(channels.map { ($0.1, $0.2) })
        logger.info("funded \(channels.count) channels for task \(task.description.prefix(16)) in \(transaction.id)")
        for (index, (join, terms, funding)) in channels.enumerated() {
            let contract = ContractTerms(
                task: task,
                channel: OutPoint(transaction: transaction.id, index: UInt32(index)),
                channelTerms: terms,
                funding: funding,
                rates: join.request.rates,
                payoutIntervalSeconds: Int32(clamping: order.payoutIntervalSeconds),
                endsAt: endsAt,
                closeFee: Self.fee
            )
            var record = ContractRecord.new(
                role: .publisher,
                task: task,
                peerKey: join.holderKey,
                peerAddress: join.address,
                now: now
            )
            record.adopt(contract)
            record.state = .active
            record.promisedBytes = Int64(join.request.roomBytes)
            record.lastPaidAt = now - Int64(abs(order.payoutIntervalSeconds))
            try store.save(record)
            holders.withLock { $0[record.peerKey] = join.connection }
            lastAnswer.withLock { $0[record.peerKey] = now }
            link.send(.contract(contract), to: join.connection)
        }
    }

    /// Funds channels (terms and amounts, in output order) in one transaction from the wallet, the change back
    /// to the payer, and submits it. One at a time, so two fundings never spend one coin.
    func fundChannels(_ channels: [(ChannelTerms, Amount)]) throws -> Transaction {
        try funding.withLock { _ in
            let total = channels.reduce(Amount(units: 0)) { $0 + $1.1 } + Self.fee
            var chosen: [(OutPoint, PrivateKey)] = []
            var gathered = Amount(units: 0)
            for (outpoint, output, key) in spendable() where gathered < total {
                chosen.append((outpoint, key))
                gathered = gathered + output.amount
            }
            guard gathered >= total else { throw PublisherError.walletTooSmall(available: gathered, needed: total) }
            var outputs = channels.map { TransactionOutput(amount: $0.1, lock: .channel($0.0)) }
            if gathered > total {
                outputs.append(
                    TransactionOutput(amount: gathered - total, lock: .address(Address(publicKey: payer.publicKey)))
                )
            }
            let transaction = try Transaction.signedTransfer(spending: chosen, to: outputs)
            try chainService.submit(transaction)
            return transaction
        }
    }

    /// Pays a holder hired elsewhere (a reader's download channel) on `connection`, as this side's rounds do.
    func adoptHolder(_ key: String, on connection: ConnectionID) {
        holders.withLock { $0[key] = connection }
        lastAnswer.withLock { $0[key] = clock() }
    }

    /// Sends every part its missing replicas, holders in parallel, a window of parts in flight to each. A
    /// holder is one identity, however many tasks it took: its newest live contract carries new parts, so no
    /// part lands twice on one node.
    private func place(parts: [PartToPlace], order: UploadOrder, upload: UploadRecord, started: Date) async throws {
        let live = liveContracts(tasks: upload.tasks)
        var byHolder: [String: ContractRecord] = [:]
        for contract in live.sorted(by: { $0.createdAt < $1.createdAt }) { byHolder[contract.peerKey] = contract }
        let placed = placements(tasks: upload.tasks, live: live)
        let plan = PlacementPlanner.plan(
            parts: parts,
            replicas: order.replicas,
            holders: byHolder.values.sorted { $0.peerKey < $1.peerKey }.map {
                HolderRoom(holder: $0.peerKey, freeBytes: UInt64(max(0, $0.promisedBytes - $0.heldBytes)))
            },
            placed: placed
        )
        let already = placed.values.reduce(0) { $0 + $1.count }
        update(order.infoHash) { $0.placementsDone = already }
        await withTaskGroup(of: Void.self) { group in
            for (holder, assigned) in plan.assignments {
                guard let contract = byHolder[holder] else { continue }
                group.addTask { await self.send(assigned, to: contract, infoHash: order.infoHash, started: started) }
            }
        }
    }

    private func send(_ parts: [PartToPlace], to contract: ContractRecord, infoHash: String, started: Date) async {
        guard let task = contract.taskID else { return }
        var failures = 0
        await withTaskGroup(of: Bool.self) { group in
            var iterator = parts.makeIterator()
            var inFlight = 0
            func launch() -> Bool {
                guard let part = iterator.next() else { return false }
                group.addTask {
                    await self.sendOne(part, task: task, contract: contract, infoHash: infoHash, started: started)
                }
                return true
            }
            while inFlight < Self.window, launch() { inFlight += 1 }
            for await placed in group {
                if !placed { failures += 1 }
                if failures > 3 { group.cancelAll(); break }
                _ = launch()
            }
        }
        if failures > 3 {
            logger.warning(
                "holder \(contract.peerKey.prefix(16)) keeps refusing parts; the rest go elsewhere on the next run"
            )
        }
    }

    /// Sends one part, retrying while the holder has not yet seen its channel; true once it is kept.
    private func sendOne(_ part: PartToPlace, task: Hash256, contract: ContractRecord, infoHash: String, started: Date)
        async -> Bool
    {
        guard let bytes = try? data.store.read(part.hash, verify: false) else { return false }
        for _ in 0..<120 {
            guard let connection = holders.withLock({ $0[contract.peerKey] }) else {
                try? await Task.sleep(nanoseconds: 500_000_000)
                continue
            }
            let requestID = nextRequest.add(1, ordering: .relaxed).oldValue
            let refusal: String? = await withCheckedContinuation { continuation in
                waiters.withLock { $0[requestID] = StoreWaiter(continuation: continuation) }
                link.send(.store(requestID: requestID, task: task, hash: part.hash, bytes: bytes), to: connection)
                DispatchQueue.global().asyncAfter(deadline: .now() + 30) { [self] in
                    waiters.withLock { $0.removeValue(forKey: requestID) }?.continuation.resume(
                        returning: "no answer within 30 s"
                    )
                }
            }
            guard let refusal else {
                await recordPlacement(part, contract: contract, infoHash: infoHash, started: started)
                return true
            }
            if refusal.hasPrefix(StoreRefusal.notActive(.accepted).description) {
                try? await Task.sleep(nanoseconds: 500_000_000)
                continue
            }
            logger.info("holder \(contract.peerKey.prefix(16)) refused part \(part.hash): \(refusal)")
            return false
        }
        return false
    }

    /// Records a part a holder kept, and returns once the record is durable: placements are written in groups
    /// (one `market.sqlite` transaction for all those that arrived meanwhile).
    private func recordPlacement(_ part: PartToPlace, contract: ContractRecord, infoHash: String, started: Date)
        async
    {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let start = pendingPlacements.withLock { pending -> Bool in
                pending.items.append(
                    PlacementToRecord(part: part, task: contract.task, holder: contract.peerKey, done: done)
                )
                defer { pending.draining = true }
                return !pending.draining
            }
            if start { queue.async { self.drainPlacements() } }
        }
        update(infoHash) {
            $0.placementsDone += 1
            $0.bytesSent += Int64(part.bytes)
            $0.secondsElapsed = Date().timeIntervalSince(started)
            if $0.secondsToFirstPlacement == nil { $0.secondsToFirstPlacement = $0.secondsElapsed }
        }
    }

    /// Writes the placements waiting, group after group, on the publisher's queue.
    private func drainPlacements() {
        while true {
            let batch = pendingPlacements.withLock { pending -> [PlacementToRecord]? in
                if pending.items.isEmpty {
                    pending.draining = false
                    return nil
                }
                defer { pending.items = [] }
                return pending.items
            }
            guard let batch else { return }
            let now = clock()
            var contracts: [String: ContractRecord] = [:]
            var parts: [ContractPartRecord] = []
            for placement in batch {
                let key = placement.task + placement.holder
                guard
                    var record = contracts[key]
                        ?? (try? store.contract(role: .publisher, task: placement.task, peerKey: placement.holder))
                else { continue }
                var meter = record.meter
                meter.stored(placement.part.bytes, at: now)
                record.meter = meter
                contracts[key] = record
                parts.append(
                    ContractPartRecord(
                        role: .publisher,
                        task: record.task,
                        peerKey: record.peerKey,
                        hash: placement.part.hash.hex,
                        bytes: Int64(placement.part.bytes)
                    )
                )
            }
            do { try store.addParts(parts, contracts: Array(contracts.values)) } catch {
                logger.warning("cannot record \(parts.count) placements: \(error)")
            }
            for placement in batch { placement.done.resume() }
        }
    }

    // MARK: Paying

    /// One payment round: each active contract whose payout is due gets a new state for its metered charge;
    /// ended leases get their last state and an end; expired channels nobody closed are refunded.
    func tick() {
        queue.sync {
            let now = clock()
            guard let contracts = try? store.contracts(role: .publisher) else { return }
            for var record in contracts {
                switch record.state {
                case .active:
                    // A holder that closed early (its channel near expiry) ends the contract where it closed.
                    if let channel = record.channel, chain.poolState.unspent[channel] == nil {
                        settle(&record)
                    } else {
                        payIfDue(&record, now: now)
                    }
                case .ended, .cutOff: settle(&record)
                case .accepted, .closed: break
                }
            }
        }
    }

    private func payIfDue(_ record: inout ContractRecord, now: Int64) {
        let interval = abs(record.payoutInterval)
        // Silence counts only while a state waits for the holder's confirmation.
        let unconfirmed = record.stateAmount > (confirmed.withLock { $0[record.task + record.peerKey] } ?? 0)
        let silentFor = now - (lastAnswer.withLock { $0[record.peerKey] } ?? now)
        if unconfirmed && silentFor > interval + settings.graceSeconds {
            logger.warning(
                "holder \(record.peerKey.prefix(16)) stopped answering: no more payments for task \(record.task.prefix(16))"
            )
            record.state = .cutOff
            try? store.save(record)
            return
        }
        // Proof of storage: under checkpoints, storage is paid up to the last passed one, as soon as it passed;
        // a holder that failed one is paid no more.
        var meterUntil = now
        var proven = false
        if let gate = proofGate.withLock({ $0 }), let decision = gate(record) {
            switch decision {
            case .stop(let failure):
                logger.warning("holder \(record.peerKey.prefix(16)) is paid no more: \(failure)")
                record.state = .cutOff
                try? store.save(record)
                return
            case .wait: meterUntil = record.meteredUntil
            case .pay(let until):
                meterUntil = until
                proven = true
            }
        }
        let ending = now >= record.endsAt
        guard ending || proven || now - record.lastPaidAt >= interval else { return }
        var meter = record.meter
        meter.advance(to: meterUntil, end: record.endsAt)
        record.meter = meter
        let charge = record.rates.charge(for: meter.usage)
        var ahead = Amount(units: 0)
        if record.payoutInterval < 0 && !ending {
            let span = min(interval, record.endsAt - now)
            let next = StorageUsage(
                uploadedBytes: meter.usage.uploadedBytes,
                downloadedBytes: meter.usage.downloadedBytes,
                storedByteSeconds: meter.usage.storedByteSeconds + UInt128(meter.heldBytes) * UInt128(span)
            )
            ahead = record.rates.charge(for: next) - charge
        }
        guard let channel = record.channel else { return }
        let payer = PayerChannel(
            channel: channel,
            funding: Amount(units: record.funding),
            closeFee: Amount(units: record.closeFee),
            signedAmount: Amount(units: record.stateAmount)
        )
        let previousAmount = record.stateAmount
        if case .sign(let amount, let exhausted) = payer.decide(charge: charge, ahead: ahead) {
            do {
                let signature = try self.payer.signChannelState(channel: channel, payeeAmount: amount)
                statesSigned.add(1, ordering: .relaxed)
                record.stateAmount = amount.units
                record.stateSignature = Hex.encode(signature.bytes)
                if exhausted {
                    logger.warning("the channel of task \(record.task.prefix(16)) is spent to its last unit")
                }
                try store.save(record)
            } catch {
                logger.warning("cannot sign a channel state: \(error)")
                return
            }
        }
        if settings.sendsHostileStates {
            sendHostileStates(record, previous: Amount(units: previousAmount), channel: channel)
        }
        // The best state goes out when it is new, and again while the holder has not confirmed it.
        let key = record.task + record.peerKey
        if record.stateAmount > (confirmed.withLock { $0[key] } ?? 0),
            let signature = record.stateSignature.flatMap(Hex.decode).flatMap(Signature.init(bytes:)),
            let connection = holders.withLock({ $0[record.peerKey] }), let task = record.taskID
        {
            link.send(
                .payment(task: task, channel: channel, amount: Amount(units: record.stateAmount), signature: signature),
                to: connection
            )
            paymentMessages.add(1, ordering: .relaxed)
        }
        record.lastPaidAt = now
        if ending {
            record.state = .ended
            if let connection = holders.withLock({ $0[record.peerKey] }), let task = record.taskID {
                link.send(.end(task: task), to: connection)
            }
        }
        try? store.save(record)
    }

    /// Testing only: states a holder must refuse, each sent before the real one: signed by another key, the last
    /// state signed again (a replay), the first state (lower than the last), one above the funds.
    private func sendHostileStates(_ record: ContractRecord, previous: Amount, channel: OutPoint) {
        guard let connection = holders.withLock({ $0[record.peerKey] }), let task = record.taskID,
            previous.units > record.closeFee, let stranger = try? PrivateKey.generate()
        else { return }
        let states: [(PrivateKey, Amount)] = [
            (stranger, Amount(units: record.stateAmount + 1)), (payer, previous),
            (payer, Amount(units: record.closeFee)),
            (payer, Amount(units: record.funding + 1)),
        ]
        for (key, amount) in states {
            guard let signature = try? key.signChannelState(channel: channel, payeeAmount: amount) else { continue }
            link.send(.payment(task: task, channel: channel, amount: amount, signature: signature), to: connection)
        }
    }

    /// After the lease: closed once the holder's close spent the channel; refunded once the channel expired.
    private func settle(_ record: inout ContractRecord) {
        guard let channel = record.channel else { return }
        let state = chain.poolState
        if state.unspent[channel] == nil {
            // What the holder's close took is what was paid, whatever the last state signed here said.
            if let close = chain.spender(of: channel) {
                record.closeTransaction = close.id.description
                if case .channelClose(let payeeAmount, _, _) = close.inputs.first(where: { $0.previous == channel })?
                    .unlock
                {
                    record.stateAmount = payeeAmount.units
                }
            }
            record.state = .closed
            try? store.save(record)
            return
        }
        guard let expiry = record.expiry, state.height + 1 >= Int(expiry) else { return }
        do {
            let refund = try Transaction.channelRefund(
                channel: channel,
                funding: Amount(units: record.funding),
                payer: payer,
                fee: Self.fee
            )
            try chainService.submit(refund)
            record.closeTransaction = refund.id.description
            record.state = .closed
            try? store.save(record)
            logger.info("took back the expired channel \(channel) of task \(record.task.prefix(16))")
        } catch {
            logger.info("cannot refund the channel \(channel) yet: \(error)")
        }
    }

    /// Meters a part read back from a holder that keeps it under contract: its download price is paid with the
    /// next state.
    func received(_ bytes: [UInt8], from id: ConnectionID) {
        guard let key = link.identityKey(of: id)?.description, holders.withLock({ $0[key] != nil }) else { return }
        let hash = SHA1Digest.of(bytes).hex
        queue.async { [self] in try? store.meterDownload(role: .publisher, peerKey: key, hash: hash, bytes: bytes.count)
        }
    }

    // MARK: Messages from holders

    func handle(_ message: MarketMessage, from id: ConnectionID) {
        guard let key = link.identityKey(of: id) else { return }
        lastAnswer.withLock { $0[key.description] = clock() }
        switch message {
        case .join(let request): queue.async { self.receive(request, holderKey: key, from: id, attempt: 0) }
        case .stored(let requestID):
            waiters.withLock { $0.removeValue(forKey: requestID) }?.continuation.resume(returning: nil)
        case .storeRefused(let requestID, let reason):
            waiters.withLock { $0.removeValue(forKey: requestID) }?.continuation.resume(returning: reason)
        case .paymentRefused(let task, let reason):
            logger.warning(
                "holder \(key.description.prefix(16)) refused a channel state for task \(task.description.prefix(16)): \(reason)"
            )
        case .paymentAccepted(let task, let amount):
            confirmed.withLock { table in
                let key = task.description + key.description
                table[key] = max(table[key] ?? 0, amount.units)
            }
        case .contract, .store, .payment, .end, .joinRefused, .downloadTerms, .downloadContract, .downloadDeclined:
            break
        }
    }

    private func receive(_ request: JoinRequest, holderKey: PublicKey, from id: ConnectionID, attempt: Int) {
        holders.withLock { $0[holderKey.description] = id }
        if let existing = try? store.contract(
            role: .publisher,
            task: request.task.description,
            peerKey: holderKey.description
        ),
            let channel = existing.channel, let terms = existing.channelTerms
        {
            // A holder back after a restart or a dropped connection: the same contract again.
            link.send(
                .contract(
                    ContractTerms(
                        task: request.task,
                        channel: channel,
                        channelTerms: terms,
                        funding: Amount(units: existing.funding),
                        rates: existing.rates,
                        payoutIntervalSeconds: Int32(existing.payoutInterval),
                        endsAt: existing.endsAt,
                        closeFee: Amount(units: existing.closeFee)
                    )
                ),
                to: id
            )
            return
        }
        guard joins.withLock({ $0[request.task] != nil }) else {
            link.send(.joinRefused(task: request.task, reason: "the task takes no more holders"), to: id)
            return
        }
        if let reason = holderBar.withLock({ $0 })?(holderKey.description) {
            link.send(.joinRefused(task: request.task, reason: reason), to: id)
            return
        }
        let announcements = chain.poolState.announcements
        guard let acceptance = announcements[request.acceptance],
            case .acceptance(let accepted) = acceptance.announcement.body, accepted == request.task,
            acceptance.announcement.issuer.publicKey == holderKey
        else {
            // The acceptance may still be on its way through the network: look again for a few seconds.
            if attempt < 20 {
                queue.asyncAfter(deadline: .now() + 0.5) {
                    self.receive(request, holderKey: holderKey, from: id, attempt: attempt + 1)
                }
                return
            }
            link.complain(about: id, "a join without a matching acceptance on chain")
            link.send(
                .joinRefused(task: request.task, reason: "no acceptance by this identity for the task on chain"),
                to: id
            )
            return
        }
        guard let task = announcements[request.task], case .task(let offer) = task.announcement.body,
            let terms = offer.storage,
            request.rates.isWithin(
                StorageRates(
                    storagePerGiBMonth: terms.storagePricePerGiBMonth,
                    uploadPerGiB: terms.uploadPricePerGiB,
                    downloadPerGiB: terms.downloadPricePerGiB
                )
            )
        else {
            link.send(.joinRefused(task: request.task, reason: "the asked prices are above the offer's"), to: id)
            return
        }
        if let ceiling = settings.maximumDownloadPrice, request.rates.downloadPerGiB > ceiling {
            link.send(
                .joinRefused(
                    task: request.task,
                    reason: "the download price \(request.rates.downloadPerGiB)/GiB is above this node's \(ceiling)"
                ),
                to: id
            )
            return
        }
        let address = ""
        joins.withLock { table in
            guard table[request.task] != nil, !(table[request.task]!.contains { $0.holderKey == holderKey }) else {
                return
            }
            table[request.task]!.append(
                PendingJoin(request: request, connection: id, holderKey: holderKey, address: address)
            )
        }
    }
}

extension UploadRecord {
    /// The tasks offered for this upload, in order (a resumed upload may hire more).
    var tasks: [String] {
        get { (task ?? "").split(separator: ",").map(String.init) }
        set { task = newValue.joined(separator: ",") }
    }
}
