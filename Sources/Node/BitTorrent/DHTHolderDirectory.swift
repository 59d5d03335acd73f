import Dispatch
import Foundation
import ZenFS

/// The BitTorrent Mainline DHT (BEP 5) of the node's own libtorrent session as a `HolderDirectory`: content is
/// announced under its `HolderKey` with the node's peer port, and looked up there when flooding finds no
/// holder. The DHT node that stores an announcement records the address the announcement came from, so the
/// address found is the holder's as others see it.
public struct DHTHolderDirectory: HolderDirectory {
    let seeder: BitTorrentSeeder
    /// The node's own peer address, left out of answers.
    let own: PeerAddress

    public init(seeder: BitTorrentSeeder, own: PeerAddress) {
        self.seeder = seeder
        self.own = own
    }

    public func holders(of infoHash: SHA1Digest, timeout: UInt64) async -> [PeerAddress] {
        let seeder = self.seeder
        let own = self.own
        let key = HolderKey.of(infoHash)
        // libtorrent's lookup blocks while it waits: it runs off the cooperative pool.
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let found = seeder.lookUp(key, timeout: Double(timeout) / 1e9)
                continuation.resume(returning: found.filter { $0 != own })
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
