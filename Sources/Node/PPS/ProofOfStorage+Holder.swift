import Chain
import Foundation
import Market
import ZenFS

extension ProofOfStorage {
    /// The most leaf bytes one answer carries (the rest of the frame is paths and framing).
    static let maximumAnsweredBytes = PeerFrame.maximumProofLength / 2

    /// Answers a Merkle checkpoint from the sold parts, off the network's event loop.
    func answer(_ challenge: MerkleChallenge, from id: ConnectionID) {
        Task {
            let reply: ProofMessage
            do {
                reply = .merkleAnswer(checkpoint: challenge.checkpoint, proofs: try await prove(challenge, from: id))
            } catch {
                reply = .unable(checkpoint: challenge.checkpoint, reason: "\(error)")
            }
            network.send(.storageProof(ProofMessageCodec.encode(reply)), to: id)
        }
    }

    /// Answers a private-checksum checkpoint: the bit of the garbled data of the named parts, in order.
    func answer(_ challenge: PrivateChallenge, from id: ConnectionID) {
        Task {
            let reply: ProofMessage
            do {
                let covered = try coveredParts(task: challenge.task, from: id)
                var parts: [[UInt8]] = []
                for hash in challenge.parts {
                    guard covered.contains(hash.hex), let bytes = try? market.sold.store.read(hash, verify: false)
                    else {
                        throw ProofError.partNotKept(hash.hex)
                    }
                    parts.append(bytes)
                }
                guard let bit = GarbledData.answer(salt: challenge.salt, position: challenge.position, parts: parts)
                else { throw ProofError.positionPastData(challenge.position) }
                reply = .privateAnswer(checkpoint: challenge.checkpoint, bit: bit)
            } catch {
                reply = .unable(checkpoint: challenge.checkpoint, reason: "\(error)")
            }
            network.send(.storageProof(ProofMessageCodec.encode(reply)), to: id)
        }
    }

    /// The parts an active contract of this node keeps for the challenger under `task`.
    private func coveredParts(task: Hash256, from id: ConnectionID) throws -> Set<String> {
        guard let publisher = network.remoteIdentity(of: id)?.publicKey.description,
            let contract = try market.store.contract(role: .seller, task: task.description, peerKey: publisher),
            contract.state == .active
        else { throw ProofError.noContract(task.description) }
        return Set(try market.store.parts(role: .seller, task: task.description, peerKey: publisher).map(\.hash))
    }

    private func prove(_ challenge: MerkleChallenge, from id: ConnectionID) async throws -> [MerkleProof] {
        let covered = try coveredParts(task: challenge.task, from: id)
        guard challenge.leaves.count * Int(challenge.leafSize) <= Self.maximumAnsweredBytes else {
            throw ProofError.challengeTooLarge(leaves: challenge.leaves.count, leafSize: Int(challenge.leafSize))
        }
        let metainfo = try await metainfo(challenge.content, from: id)
        let layout = try MerkleLayout(
            totalLength: UInt64(metainfo.info.totalLength),
            partLength: UInt64(metainfo.info.pieceLength),
            leafSize: Int(challenge.leafSize)
        )
        let pieces = metainfo.info.pieces
        guard layout.partCount == pieces.count else { throw ProofError.badLayout(challenge.content.hex) }
        let sold = market.sold.store
        return try MerkleProver(layout: layout).answer(challenge.leaves) { part in
            guard Int(part) < pieces.count, covered.contains(pieces[Int(part)].hex) else { return nil }
            return try? sold.read(pieces[Int(part)], verify: false)
        }
    }

    /// The metainfo a checkpoint names: known already, or asked of the owner (and checked against its hash).
    func metainfo(_ infoHash: SHA1Digest, from id: ConnectionID) async throws -> Metainfo {
        if let known = metainfos.withLock({ $0[infoHash] }) { return known }
        let bytes = try await network.request(.metainfo, infoHash, from: id)
        let metainfo = try Metainfo(parsing: bytes)
        guard metainfo.infoHash == infoHash else { throw ProofError.wrongMetainfo(infoHash.hex) }
        metainfos.withLock { $0[infoHash] = metainfo }
        return metainfo
    }

    /// A holder notes the proof-of-storage announcements of the publishers it keeps parts for (their
    /// checkpoints come over the connection the market already keeps).
    func noticeAnnouncements() {
        guard market.seller != nil else { return }
        let publishers = Set(
            ((try? market.store.contracts(role: .seller)) ?? []).filter { $0.state == .active }.map(\.peerKey)
        )
        guard !publishers.isEmpty else { return }
        for (id, live) in market.publisher.chain.poolState.announcements {
            guard case .proofOfStorage(let metainfo, let reward) = live.announcement.body,
                publishers.contains(live.announcement.issuer.publicKey.description),
                noticed.withLock({ $0.insert(id).inserted })
            else { continue }
            logger.info(
                "publisher \(live.announcement.issuer.publicKey.description.prefix(16)) checks the storage of \(Hex.encode(metainfo)) (\(reward) ZEN a check)"
            )
        }
    }
}
