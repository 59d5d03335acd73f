import Dispatch
import Foundation
import Synchronization
import ZenFS

/// The BitTorrent Mainline DHT (BEP 5) of the node's own libtorrent session as a `HolderDirectory`: content is
/// announced under its `HolderKey` with the node's peer port, and looked up there when flooding finds no
/// holder. The DHT node that stores an announcement records the address the announcement came from, so the
/// address found is the holder's as others see it.
public struct DHTHolderDirectory: HolderDirectory {
    let seeder: BitTorrentSeeder
    /// The node's own peer address, left out of answers.
    let own: PeerAddress
    /// One lookup per content at a time: the fetches of a content's many parts share it, and its answer for
    /// `reuse` nanoseconds after it ends.
    private let lookups = Lookups()
    static let reuse: UInt64 = 2_000_000_000

    public init(seeder: BitTorrentSeeder, own: PeerAddress) {
        self.seeder = seeder
        self.own = own
    }

    public func holders(of infoHash: SHA1Digest, timeout: UInt64) async -> [PeerAddress] {
        let table = lookups
        let task = table.tasks.withLock { lookups -> Task<[PeerAddress], Never> in
            if let running = lookups[infoHash] { return running }
            let task = Task { [seeder, own] in
                let found = await Self.lookUp(HolderKey.of(infoHash), in: seeder, timeout: timeout)
                Task {
                    try? await Task.sleep(nanoseconds: Self.reuse)
                    _ = table.tasks.withLock { $0.removeValue(forKey: infoHash) }
                }
                return found.filter { $0 != own }
            }
            lookups[infoHash] = task
            return task
        }
        return await task.value
    }

    /// libtorrent's lookup blocks while it waits: it runs off the cooperative pool.
    private static func lookUp(_ key: SHA1Digest, in seeder: BitTorrentSeeder, timeout: UInt64) async -> [PeerAddress] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: seeder.lookUp(key, timeout: Double(timeout) / 1e9))
            }
        }
    }

    /// Announces every seeded content under its holder key with `port`.
    public func announceAll(port: UInt16) -> Int {
        var count = 0
        for infoHash in seeder.seededInfoHashes where seeder.announce(HolderKey.of(infoHash), port: port) {
            count += 1
        }
        return count
    }
}

/// The DHT lookups running now (or ended moments ago), by content.
final class Lookups: Sendable {
    let tasks = Mutex<[SHA1Digest: Task<[PeerAddress], Never>]>([:])
}
