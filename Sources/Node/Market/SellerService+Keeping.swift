import Chain
import Market
import ZenFS

/// A part a publisher sent to keep, waiting for the next group commit.
struct PartToKeep: Sendable {
    let requestID: UInt32
    let task: Hash256
    let hash: SHA1Digest
    let bytes: [UInt8]
    let from: ConnectionID
}

extension SellerService {
    /// Keeps every part sent so far, group after group, on the seller's queue: the parts that arrive meanwhile
    /// gather for the next group.
    func drainStores() {
        while true {
            let batch = pendingStores.withLock { pending -> [PartToKeep]? in
                if pending.items.isEmpty {
                    pending.draining = false
                    return nil
                }
                defer { pending.items = [] }
                return pending.items
            }
            guard let batch else { return }
            for (part, outcome) in zip(batch, keepAll(batch)) {
                switch outcome {
                case .success: link.send(.stored(requestID: part.requestID), to: part.from)
                case .failure(let reason):
                    link.send(.storeRefused(requestID: part.requestID, reason: reason.description), to: part.from)
                }
            }
        }
    }

    /// Keeps a group of parts with one commit of the sold store (two filesystem syncs) and one transaction of
    /// `market.sqlite` for all their records; each part is acknowledged only after both. Each part is judged as
    /// before: an active contract with its sender, bytes that match the hash, room within what the node sells
    /// and within the contract's promise (counting the parts ahead of it in the group).
    func keepAll(_ batch: [PartToKeep]) -> [Result<Void, StoreRefusal>] {
        var results = [Result<Void, StoreRefusal>](repeating: .success(()), count: batch.count)
        var contracts: [String: ContractRecord] = [:]
        var held = heldBytes
        var staged: [StagedElement] = []
        var stagedHashes = Set<SHA1Digest>()
        var newParts: [ContractPartRecord] = []
        var keptHere = Set<String>()
        var accepted: [Int] = []
        let now = clock()
        for (index, part) in batch.enumerated() {
            guard let publisherKey = link.identityKey(of: part.from)?.description else {
                results[index] = .failure(.noContract)
                continue
            }
            let key = part.task.description + publisherKey
            guard
                var record = contracts[key]
                    ?? (try? store.contract(role: .seller, task: part.task.description, peerKey: publisherKey))
            else {
                results[index] = .failure(.noContract)
                continue
            }
            guard record.state == .active else {
                results[index] = .failure(.notActive(record.state))
                continue
            }
            guard SHA1Digest.of(part.bytes) == part.hash else {
                results[index] = .failure(.corrupt)
                continue
            }
            let partKey = key + part.hash.hex
            if keptHere.contains(partKey)
                || (try? store.hasPart(role: .seller, task: record.task, peerKey: publisherKey, hash: part.hash.hex))
                    == true
            {
                continue
            }
            let size = UInt64(part.bytes.count)
            guard held + size <= policy.roomBytes else {
                results[index] = .failure(.noRoom(free: policy.roomBytes - min(held, policy.roomBytes)))
                continue
            }
            guard UInt64(record.heldBytes) + size <= UInt64(record.promisedBytes) else {
                results[index] = .failure(.overPromise(promised: UInt64(record.promisedBytes)))
                continue
            }
            if !sold.contains(part.hash), !stagedHashes.contains(part.hash) {
                do {
                    if let element = try part.bytes.withUnsafeBytes({ try sold.stage($0, as: part.hash) }) {
                        staged.append(element)
                    }
                    stagedHashes.insert(part.hash)
                } catch {
                    results[index] = .failure(.cannotStore("\(error)"))
                    continue
                }
            }
            var meter = record.meter
            meter.stored(size, at: now)
            record.meter = meter
            contracts[key] = record
            keptHere.insert(partKey)
            held += size
            newParts.append(
                ContractPartRecord(
                    role: .seller,
                    task: record.task,
                    peerKey: publisherKey,
                    hash: part.hash.hex,
                    bytes: Int64(size)
                )
            )
            accepted.append(index)
        }
        do {
            try sold.commit(staged)
            try store.addParts(newParts, contracts: Array(contracts.values))
        } catch {
            for index in accepted { results[index] = .failure(.cannotStore("\(error)")) }
            return results
        }
        soldParts.servable.withLock { servable in
            for index in accepted { servable.insert(batch[index].hash) }
        }
        return results
    }
}
