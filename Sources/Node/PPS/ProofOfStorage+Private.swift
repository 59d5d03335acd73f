import Chain
import Foundation
import Market
import ZenFS

/// The RFC's private-checksum mode on the owner: one checksum per part (170 bytes), a checkpoint asks one
/// bit of one part the holder keeps, and a checksum whose routine bits are used is renewed from the part's
/// bytes (the local copy, or downloaded from the holders first).
extension ProofOfStorage {
    func computeChecksums(of file: ProofFileRecord, metainfo: Metainfo) {
        var generator = SystemRandomNumberGenerator()
        var checksums = Data(capacity: metainfo.info.pieces.count * PrivateChecksum.encodedLength)
        for (index, hash) in metainfo.info.pieces.enumerated() {
            guard let bytes = try? data.store.read(hash, verify: true),
                let checksum = try? PrivateChecksum.make(data: bytes, using: &generator)
            else {
                logger.warning(
                    "proof of storage of \(file.infoHash): part \(index) is not in the store; no checkpoints"
                )
                return
            }
            checksums.append(contentsOf: checksum.encoded)
        }
        var ready = file
        ready.roots = checksums
        do {
            try market.store.save(ready)
            logger.info("proof of storage of \(file.infoHash): \(metainfo.info.pieces.count) private checksums kept")
        } catch {
            logger.warning("cannot keep the private checksums of \(file.infoHash): \(error)")
        }
    }

    func sendPrivate(
        _ account: inout CheckpointAccount,
        contract: ContractRecord,
        file stale: ProofFileRecord,
        parts: [UInt32],
        metainfo: Metainfo,
        now: Int64
    ) {
        var generator = SystemRandomNumberGenerator()
        // The checksum's count of used bits moves with every checkpoint: read it fresh.
        guard var file = ((try? market.store.proofFiles()) ?? []).first(where: { $0.infoHash == stale.infoHash }),
            let part = parts.randomElement(using: &generator).map(Int.init), var checksum = file.checksum(part: part),
            let task = contract.taskID, let content = SHA1Digest(hex: file.infoHash)
        else { return }
        let hash = metainfo.info.pieces[part]
        var drawn = checksum.nextCheckpoint(rule: file.rule)
        if drawn == nil {
            guard let bytes = try? data.store.read(hash, verify: true) else {
                logger.info("renewing the private checksum of part \(part) of \(file.infoHash): downloading it")
                Task { _ = try? await fetcher.fetch(.part, hash, content: content) }
                return
            }
            guard let renewed = try? PrivateChecksum.make(data: bytes, using: &generator) else { return }
            checksum = renewed
            drawn = checksum.nextCheckpoint(rule: file.rule)
            logger.info(
                "renewed the private checksum of part \(part) of \(file.infoHash): its \(file.rule.routineChecks) routine bits were used"
            )
        }
        guard let checkpoint = drawn else { return }
        file.setChecksum(checksum, part: part)
        do { try market.store.save(file) } catch {
            logger.warning("cannot keep the private checksum of \(file.infoHash): \(error)")
            return
        }
        let number = UInt64.random(in: 1...UInt64.max, using: &generator)
        account.sent(number, at: now)
        asked.withLock {
            $0[number] = Asked(
                key: contract.task + "/" + contract.peerKey,
                peerKey: contract.peerKey,
                infoHash: file.infoHash,
                leaves: [],
                privatePart: part,
                privateNumber: checkpoint.number
            )
        }
        let challenge = PrivateChallenge(
            checkpoint: number,
            task: task,
            parts: [hash],
            salt: checkpoint.salt,
            position: checkpoint.position
        )
        deliver(.privateChallenge(challenge), number: number, to: contract.peerKey)
    }

    /// Checks a holder's bit against the checksum it was asked from.
    func answered(_ number: UInt64, bit: Bool, from id: ConnectionID) {
        guard let entry = asked.withLock({ $0[number] }) else { return }
        guard let part = entry.privatePart, let asked = entry.privateNumber,
            let file = ((try? market.store.proofFiles()) ?? []).first(where: { $0.infoHash == entry.infoHash }),
            let checksum = file.checksum(part: part)
        else {
            return answered(number, failure: "a private-checksum answer to a Merkle checkpoint", from: id)
        }
        let right = checksum.accepts(bit, to: checksum.checkpoint(asked))
        answered(number, failure: right ? nil : "the wrong bit for part \(part): the holder lacks the data", from: id)
    }
}
