import Chain
import Dispatch
import Foundation
import Logging
import Market
import Synchronization
import ZenFS

/// Periodic Proof of Storage on this node. As an owner: announces each content under checkpoints on chain,
/// sends every holder of it a checkpoint each interval, verifies the answer against the part roots it kept,
/// lets the market pay storage only up to the last passed checkpoint, stops paying a holder whose answer is
/// wrong, late or missing, and repairs around it. As a holder: answers the checkpoints of the publishers it
/// keeps parts for, from its sold parts.
public final class ProofOfStorage: Sendable {
    let market: Marketplace
    let network: PeerNetwork
    let data: DataDirectory
    let fetcher: ElementFetcher
    let clock: MarketClock
    let logger: Logger
    /// Owner work (checkpoints, answers, accounts) runs in order here.
    let queue = DispatchQueue(label: "zenfs.pps.owner")

    struct Asked {
        let key: String
        let peerKey: String
        let infoHash: String
        let leaves: [MerkleLeafIndex]
        /// Private mode: the part asked about and the checkpoint's number in its checksum.
        var privatePart: Int? = nil
        var privateNumber: Int? = nil
    }

    /// Each holder's account by "task/peerKey", as saved in `market.sqlite`.
    let accounts = Mutex<[String: ProofAccountRecord]>([:])
    /// The content each task under checkpoints belongs to.
    let governed = Mutex<[String: String]>([:])
    /// Checkpoints waiting for their answer, by number.
    let asked = Mutex<[UInt64: Asked]>([:])
    /// Metainfo this node checks or answers for, by info-hash.
    let metainfos = Mutex<[SHA1Digest: Metainfo]>([:])
    /// When each content's repair last started, and when its announcement was last tried.
    let repairStarted = Mutex<[String: Int64]>([:])
    let announceTried = Mutex<[String: Int64]>([:])
    /// Proof-of-storage announcements a holder has noticed.
    let noticed = Mutex<Set<Hash256>>([])

    init(
        market: Marketplace,
        network: PeerNetwork,
        data: DataDirectory,
        fetcher: ElementFetcher,
        clock: @escaping MarketClock = wallClock,
        logger: Logger
    ) throws {
        self.market = market
        self.network = network
        self.data = data
        self.fetcher = fetcher
        self.clock = clock
        self.logger = logger
        var loaded: [String: ProofAccountRecord] = [:]
        for var record in try market.store.proofAccounts() {
            // Checkpoints asked before a restart cannot be verified any more: they count as not sent.
            if var account = record.decoded, account.pending != nil {
                account.abandonPending()
                record.account = ProofAccountRecord.encode(account)
            }
            loaded[record.task + "/" + record.peerKey] = record
        }
        accounts.withLock { $0 = loaded }
        refreshGoverned()
        market.publisher.proofGate.withLock {
            $0 = { [weak self] record in self?.gate(record) }
        }
        market.publisher.holderBar.withLock {
            $0 = { [weak self] key in self?.bar(key) }
        }
        network.proofHandler.withLock {
            $0 = { [weak self] bytes, id in self?.receive(bytes, from: id) }
        }
    }

    /// Runs the checkpoint round every second until cancelled.
    func run() async {
        while !Task.isCancelled {
            queue.sync { tick() }
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }

    /// Deadline for an answer: the market's grace, at least two seconds.
    var deadlineSeconds: Int64 { max(2, market.settings.graceSeconds) }

    // MARK: Registering content

    /// Puts an upload's content under checkpoints before its holders are hired (so every payment to them
    /// follows checkpoints); its part roots are computed in the background.
    func register(_ order: UploadOrder) throws {
        guard let proof = order.proof else { return }
        guard RenewalRule(confidenceBits: proof.confidenceBits) != nil else {
            throw ProofError.badConfidence(proof.confidenceBits)
        }
        guard proof.intervalSeconds > 0 else { throw ProofError.badInterval(proof.intervalSeconds) }
        guard let infoHash = SHA1Digest(hex: order.infoHash) else { throw ProofError.unknownContent(order.infoHash) }
        let metainfo = try ownMetainfo(infoHash)
        let existing = try market.store.proofFiles().first { $0.infoHash == order.infoHash }
        var file =
            existing
            ?? ProofFileRecord(
                infoHash: order.infoHash,
                mode: proof.mode.rawValue,
                intervalSeconds: proof.intervalSeconds,
                deadlineSeconds: deadlineSeconds,
                leavesPerCheck: Int64(proof.leavesPerCheck),
                leafSize: Int64(MerkleLayout.standardLeafSize),
                totalLength: metainfo.info.totalLength,
                partLength: Int64(metainfo.info.pieceLength),
                roots: nil,
                createdAt: clock(),
                confidenceBits: Int64(proof.confidenceBits)
            )
        file.intervalSeconds = proof.intervalSeconds
        file.leavesPerCheck = Int64(proof.leavesPerCheck)
        file.confidenceBits = Int64(proof.confidenceBits)
        guard file.layout != nil else { throw ProofError.badLayout(order.infoHash) }
        try market.store.save(file)
        queue.async { self.refreshGoverned() }
        if file.roots == nil {
            let saved = file
            queue.async { self.computeRoots(of: saved, metainfo: metainfo) }
        }
    }

    func ownMetainfo(_ infoHash: SHA1Digest) throws -> Metainfo {
        if let known = metainfos.withLock({ $0[infoHash] }) { return known }
        guard let record = try data.catalog.metainfo(infoHash) else { throw ProofError.unknownContent(infoHash.hex) }
        let metainfo = try Metainfo(parsing: try data.store.read(record.element, verify: true))
        metainfos.withLock { $0[infoHash] = metainfo }
        return metainfo
    }

    /// Reads every part once and keeps its root (32 bytes a part) or, in private mode, its checksum (170).
    private func computeRoots(of file: ProofFileRecord, metainfo: Metainfo) {
        if file.isPrivate { return computeChecksums(of: file, metainfo: metainfo) }
        guard let layout = file.layout else { return }
        var roots = Data(capacity: metainfo.info.pieces.count * 32)
        for (index, hash) in metainfo.info.pieces.enumerated() {
            guard let bytes = try? data.store.read(hash, verify: true),
                UInt64(bytes.count) == layout.length(ofPart: UInt32(index))
            else {
                logger.warning(
                    "proof of storage of \(file.infoHash): part \(index) is not in the store; no checkpoints"
                )
                return
            }
            roots.append(contentsOf: PartTree(index: UInt32(index), bytes: bytes, leafSize: layout.leafSize).root.bytes)
        }
        var ready = file
        ready.roots = roots
        do {
            try market.store.save(ready)
            logger.info("proof of storage of \(file.infoHash): \(metainfo.info.pieces.count) part roots kept")
        } catch {
            logger.warning("cannot keep the part roots of \(file.infoHash): \(error)")
        }
    }

    func refreshGoverned() {
        var map: [String: String] = [:]
        for file in (try? market.store.proofFiles()) ?? [] {
            for task in (try? market.store.upload(infoHash: file.infoHash))?.tasks ?? [] { map[task] = file.infoHash }
        }
        governed.withLock { $0 = map }
    }

    // MARK: Paying

    /// What a publisher contract may be paid: nil when no checkpoints govern it.
    private func gate(_ record: ContractRecord) -> CheckpointPayment? {
        guard record.role == .publisher, governed.withLock({ $0[record.task] != nil }) else { return nil }
        guard let account = accounts.withLock({ $0[record.task + "/" + record.peerKey] })?.decoded else {
            return .wait
        }
        return account.payment(meteredUntil: record.meteredUntil)
    }

    /// A holder that failed a checkpoint of any content is not hired again.
    private func bar(_ peerKey: String) -> String? {
        accounts.withLock { table in
            table.values.first { $0.peerKey == peerKey && $0.failure != nil }.map {
                "this holder failed a proof-of-storage checkpoint: \($0.failure!)"
            }
        }
    }

    // MARK: The round

    private func tick() {
        let now = clock()
        refreshGoverned()
        for file in (try? market.store.proofFiles()) ?? [] {
            guard file.isReady, let layout = file.layout, let digest = SHA1Digest(hex: file.infoHash),
                let metainfo = try? ownMetainfo(digest), let upload = try? market.store.upload(infoHash: file.infoHash)
            else { continue }
            announce(file, metainfo: metainfo, upload: upload)
            let contracts = ((try? market.store.contracts(role: .publisher)) ?? []).filter {
                upload.tasks.contains($0.task)
            }
            for contract in contracts {
                if contract.state == .active {
                    check(contract, file: file, layout: layout, metainfo: metainfo, now: now)
                } else if contract.state == .cutOff {
                    markCutOff(contract, now: now)
                }
            }
            repairIfNeeded(file, upload: upload, now: now)
        }
        noticeAnnouncements()
    }

    private func check(
        _ contract: ContractRecord,
        file: ProofFileRecord,
        layout: MerkleLayout,
        metainfo: Metainfo,
        now: Int64
    ) {
        let key = contract.task + "/" + contract.peerKey
        var record = accounts.withLock { $0[key] }
        if record == nil {
            guard let parts = try? market.store.parts(role: .publisher, task: contract.task, peerKey: contract.peerKey),
                !parts.isEmpty
            else { return }
            let account = CheckpointAccount(
                intervalSeconds: file.intervalSeconds,
                deadlineSeconds: file.deadlineSeconds,
                startingAt: now
            )
            record = ProofAccountRecord(
                task: contract.task,
                peerKey: contract.peerKey,
                infoHash: file.infoHash,
                account: ProofAccountRecord.encode(account)
            )
        }
        guard var saved = record, var account = saved.decoded else { return }
        var changed = record != accounts.withLock({ $0[key] })
        if account.expire(at: now) {
            changed = true
            logger.warning("holder \(contract.peerKey.prefix(16)) of \(file.infoHash): \(account.failure!)")
            _ = asked.withLock { table in table.first { $0.value.key == key }.map { table.removeValue(forKey: $0.key) }
            }
        }
        if account.isDue(at: now) {
            changed = true
            send(&account, contract: contract, file: file, layout: layout, metainfo: metainfo, now: now)
        }
        if changed {
            saved.account = ProofAccountRecord.encode(account)
            saved.failure = account.failure?.description
            persist(saved)
        }
    }

    /// A holder the market cut off (it stopped confirming payments) fails its checkpoints too.
    private func markCutOff(_ contract: ContractRecord, now: Int64) {
        let key = contract.task + "/" + contract.peerKey
        guard var saved = accounts.withLock({ $0[key] }), var account = saved.decoded, account.failure == nil else {
            return
        }
        account.fail("stopped answering the market and was cut off", at: now)
        saved.account = ProofAccountRecord.encode(account)
        saved.failure = account.failure?.description
        persist(saved)
    }

    private func send(
        _ account: inout CheckpointAccount,
        contract: ContractRecord,
        file: ProofFileRecord,
        layout: MerkleLayout,
        metainfo: Metainfo,
        now: Int64
    ) {
        let held = Set(
            ((try? market.store.parts(role: .publisher, task: contract.task, peerKey: contract.peerKey)) ?? []).map(
                \.hash
            )
        )
        let indices = metainfo.info.pieces.enumerated().filter { held.contains($0.element.hex) }.map {
            UInt32($0.offset)
        }
        if file.isPrivate {
            return sendPrivate(&account, contract: contract, file: file, parts: indices, metainfo: metainfo, now: now)
        }
        var generator = SystemRandomNumberGenerator()
        let leaves = HeldLeafDraw.leaves(Int(file.leavesPerCheck), ofParts: indices, layout: layout, using: &generator)
        guard !leaves.isEmpty, let task = contract.taskID, let content = SHA1Digest(hex: file.infoHash) else { return }
        let number = UInt64.random(in: 1...UInt64.max, using: &generator)
        account.sent(number, at: now)
        let key = contract.task + "/" + contract.peerKey
        asked.withLock {
            $0[number] = Asked(key: key, peerKey: contract.peerKey, infoHash: file.infoHash, leaves: leaves)
        }
        deliver(
            .merkleChallenge(challengeFor(number, task: task, content: content, layout: layout, leaves: leaves)),
            number: number,
            to: contract.peerKey
        )
    }

    private func challengeFor(
        _ number: UInt64,
        task: Hash256,
        content: SHA1Digest,
        layout: MerkleLayout,
        leaves: [MerkleLeafIndex]
    ) -> MerkleChallenge {
        MerkleChallenge(
            checkpoint: number,
            task: task,
            content: content,
            leafSize: UInt32(layout.leafSize),
            partPaths: false,
            leaves: leaves
        )
    }

    /// Sends a checkpoint to the holder's connection; an unconnected holder misses it.
    func deliver(_ message: ProofMessage, number: UInt64, to peerKey: String) {
        guard let connection = connection(to: peerKey) else {
            logger.info("holder \(peerKey.prefix(16)) is not connected: checkpoint \(number) will go unanswered")
            return
        }
        network.send(.storageProof(ProofMessageCodec.encode(message)), to: connection)
    }

    func connection(to peerKey: String) -> ConnectionID? {
        network.connectionIDs.first { network.remoteIdentity(of: $0)?.publicKey.description == peerKey }
    }

    func persist(_ record: ProofAccountRecord) {
        accounts.withLock { $0[record.task + "/" + record.peerKey] = record }
        do { try market.store.save(record) } catch { logger.warning("cannot save a checkpoint account: \(error)") }
    }

    // MARK: Messages

    private func receive(_ bytes: [UInt8], from id: ConnectionID) {
        let message: ProofMessage
        do { message = try ProofMessageCodec.decode(bytes) } catch {
            logger.warning("an unreadable proof-of-storage message from connection \(id): \(error)")
            return
        }
        switch message {
        case .merkleChallenge(let challenge): answer(challenge, from: id)
        case .privateChallenge(let challenge): answer(challenge, from: id)
        case .merkleAnswer(let number, let proofs): queue.async { self.answered(number, proofs: proofs, from: id) }
        case .unable(let number, let reason):
            queue.async { self.answered(number, failure: "the holder cannot answer: \(reason)", from: id) }
        case .privateAnswer(let number, let bit): queue.async { self.answered(number, bit: bit, from: id) }
        }
    }

    private func answered(_ number: UInt64, proofs: [MerkleProof], from id: ConnectionID) {
        guard let entry = asked.withLock({ $0[number] }) else { return }
        guard
            let file = ((try? market.store.proofFiles()) ?? []).first(where: { $0.infoHash == entry.infoHash }),
            let verifier = file.verifier
        else { return }
        var failure: String?
        do { try verifier.check(proofs, for: entry.leaves) } catch { failure = "\(error)" }
        answered(number, failure: failure, from: id)
    }

    func answered(_ number: UInt64, failure: String?, from id: ConnectionID) {
        guard let entry = asked.withLock({ $0[number] }) else { return }
        guard network.remoteIdentity(of: id)?.publicKey.description == entry.peerKey else {
            logger.warning("connection \(id) answered checkpoint \(number) of another holder: ignored")
            return
        }
        asked.withLock { _ = $0.removeValue(forKey: number) }
        guard var saved = accounts.withLock({ $0[entry.key] }), var account = saved.decoded else { return }
        switch account.answered(number, failedBecause: failure, at: clock()) {
        case .passed: logger.debug("holder \(entry.peerKey.prefix(16)) passed checkpoint \(number)")
        case .failed: logger.warning("holder \(entry.peerKey.prefix(16)) of \(entry.infoHash): \(account.failure!)")
        case .unexpected: return
        }
        saved.account = ProofAccountRecord.encode(account)
        saved.failure = account.failure?.description
        persist(saved)
    }

    // MARK: What `zenfs pps` shows

    /// Every content under checkpoints and every holder account this node keeps as an owner.
    func report() throws -> ProofReport {
        let contracts = try market.store.contracts(role: .publisher)
        let metered = Dictionary(
            contracts.map { ($0.task + "/" + $0.peerKey, $0.meteredUntil) },
            uniquingKeysWith: { a, _ in a }
        )
        let holders = accounts.withLock { Array($0.values) }.compactMap { record in
            record.decoded.map {
                ProofStatus(record, account: $0, meteredUntil: metered[record.task + "/" + record.peerKey])
            }
        }.sorted { ($0.infoHash, $0.task, $0.holder) < ($1.infoHash, $1.task, $1.holder) }
        let files = try market.store.proofFiles().map { file in
            let upload = try? market.store.upload(infoHash: file.infoHash)
            let replicas = Int(upload?.replicas ?? 0)
            let short = upload.map { shortfall(file, upload: $0) } ?? [:]
            return ProofFileHealth(
                infoHash: file.infoHash,
                mode: file.mode,
                intervalSeconds: file.intervalSeconds,
                replicasAsked: replicas,
                shortParts: short.count,
                fewestReplicas: replicas - (short.values.max() ?? 0),
                rootsKept: file.roots != nil,
                announcement: file.announcement
            )
        }
        return ProofReport(files: files, holders: holders)
    }
}
