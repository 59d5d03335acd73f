import Chain
import Foundation
import Market
import ZenFS

extension ProofOfStorage {
    /// Blocks a proof-of-storage announcement lives before the chain prunes it (it is announced again then).
    static let announcementLifetime: UInt32 = 1_000

    /// Announces that the content is under checkpoints, as the RFC's prunable PPS announcement naming its
    /// metainfo; again when the chain pruned the last one. Tried at most once a minute.
    func announce(_ file: ProofFileRecord, metainfo: Metainfo, upload: UploadRecord) {
        let chain = market.publisher.chain
        let state = chain.poolState
        if let id = file.announcement.flatMap(Hex.decode).flatMap(Hash256.init(bytes:)), state.announcements[id] != nil
        {
            return
        }
        let now = clock()
        let due = announceTried.withLock { table -> Bool in
            guard now - (table[file.infoHash] ?? .min / 2) >= 60 else { return false }
            table[file.infoHash] = now
            return true
        }
        guard due else { return }
        let perCheck = StorageRates(
            storagePerGiBMonth: Amount(units: upload.maxStoragePrice),
            uploadPerGiB: Amount(units: 0),
            downloadPerGiB: Amount(units: 0)
        ).charge(
            for: StorageUsage(storedByteSeconds: UInt128(max(0, file.totalLength)) * UInt128(file.intervalSeconds))
        )
        let identity = market.publisher.identity
        var announcement = SignedAnnouncement(
            issuer: identity.identity,
            body: .proofOfStorage(metainfo: metainfo.infoHash.bytes, rewardPerCheck: perCheck),
            timeoutBlocks: Self.announcementLifetime
        )
        var target = chain.network.chain.taskTarget
        if let stricter = chain.minimumTaskTarget, stricter.value < target.value { target = stricter }
        guard announcement.mine(target: target, attempts: 1 << 26) else {
            logger.warning("no nonce met the work target of the proof-of-storage announcement of \(file.infoHash)")
            return
        }
        do {
            try announcement.sign(with: identity.privateKey)
            try market.publisher.chainService.submit(.announcement(announcement))
            var announced = file
            announced.announcement = Transaction.announcement(announcement).id.description
            announced.announcedHeight = Int64(state.height)
            try market.store.save(announced)
            logger.info("announced proof of storage of \(file.infoHash), checked every \(file.intervalSeconds) s")
        } catch {
            logger.warning("cannot announce proof of storage of \(file.infoHash): \(error)")
        }
    }

    /// Keeps every part at the replicas asked: when some part has fewer holders that still pass their
    /// checkpoints, fetches what the local store lacks from the remaining holders and runs the upload again,
    /// which hires anew through the market and places the missing copies. At most once an interval (and never
    /// while the upload runs).
    /// `zenfs repair [INFOHASH]`: repairs now what is short (every content under checkpoints, or one), without
    /// waiting for the round's pause between repairs; returns each content's parts short of replicas.
    func repairNow(_ infoHash: String?) throws -> [String: Int] {
        var short: [String: Int] = [:]
        try queue.sync {
            let files = try market.store.proofFiles().filter { infoHash == nil || $0.infoHash == infoHash }
            if let infoHash, files.isEmpty { throw ProofError.notUnderCheckpoints(infoHash) }
            for file in files {
                guard let upload = try market.store.upload(infoHash: file.infoHash) else { continue }
                short[file.infoHash] = shortfall(file, upload: upload).count
                repairStarted.withLock { _ = $0.removeValue(forKey: file.infoHash) }
                repairIfNeeded(file, upload: upload, now: clock())
            }
        }
        return short
    }

    func repairIfNeeded(_ file: ProofFileRecord, upload: UploadRecord, now: Int64) {
        let missing = shortfall(file, upload: upload)
        guard !missing.isEmpty else { return }
        if let running = market.publisher.progress.withLock({ $0[file.infoHash] }),
            running.phase != .done && running.phase != .failed
        {
            return
        }
        let wait = max(15, file.intervalSeconds)
        let due = repairStarted.withLock { table -> Bool in
            guard now - (table[file.infoHash] ?? .min / 2) >= wait else { return false }
            table[file.infoHash] = now
            return true
        }
        guard due, let content = SHA1Digest(hex: file.infoHash) else { return }
        logger.warning("repairing \(file.infoHash): \(missing.count) parts have fewer than \(upload.replicas) replicas")
        let order = UploadOrder(
            infoHash: file.infoHash,
            replicas: Int(upload.replicas),
            maxStoragePrice: upload.maxStoragePrice,
            maxUploadPrice: upload.maxUploadPrice,
            maxDownloadPrice: upload.maxDownloadPrice,
            durationSeconds: max(file.intervalSeconds, upload.createdAt + upload.durationSeconds - now),
            payoutIntervalSeconds: upload.payoutInterval,
            budget: upload.budget,
            acceptWaitSeconds: 10,
            proof: ProofOrder(
                mode: ProofOrder.Mode(rawValue: file.mode) ?? .merkle,
                intervalSeconds: file.intervalSeconds,
                leavesPerCheck: Int(file.leavesPerCheck),
                confidenceBits: Int(file.confidenceBits)
            )
        )
        let hashes = missing.keys.compactMap(SHA1Digest.init(hex:))
        Task {
            for hash in hashes where !data.store.contains(hash) {
                do { _ = try await fetcher.fetch(.part, hash, content: content) } catch {
                    logger.warning("repair of \(file.infoHash): cannot fetch part \(hash) from any holder: \(error)")
                }
            }
            do { try market.publisher.start(order) } catch {
                logger.warning("repair of \(file.infoHash) cannot start: \(error)")
            }
        }
    }

    /// Parts (by hash) with fewer healthy holders than asked: a holder counts while its contract is active and
    /// it failed no checkpoint.
    func shortfall(_ file: ProofFileRecord, upload: UploadRecord) -> [String: Int] {
        let contracts = ((try? market.store.contracts(role: .publisher)) ?? []).filter {
            upload.tasks.contains($0.task)
        }
        var healthy: Set<String> = []
        var holders: [String: Set<String>] = [:]
        if let content = SHA1Digest(hex: file.infoHash), let metainfo = try? ownMetainfo(content) {
            for part in metainfo.info.pieces where holders[part.hex] == nil { holders[part.hex] = [] }
        }
        for contract in contracts {
            let failed = accounts.withLock { $0[contract.task + "/" + contract.peerKey] }?.failure != nil
            if contract.state == .active && !failed { healthy.insert(contract.peerKey) }
        }
        for task in upload.tasks {
            for (hash, keys) in (try? market.store.partHolders(role: .publisher, task: task)) ?? [:] {
                holders[hash, default: []].formUnion(keys)
            }
        }
        return ReplicaShortfall.missing(holders: holders, healthy: healthy, replicas: Int(upload.replicas))
    }
}
