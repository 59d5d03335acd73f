import Foundation
import ZenFS

/// A directory of the nodes that hold some content, beyond the reach of flooding: the fetcher asks it when a
/// flood finds no holder. The node's is the BitTorrent Mainline DHT (`DHTHolderDirectory`).
public protocol HolderDirectory: Sendable {
    /// The peer addresses announced as holding the content with this info-hash; empty when none is known
    /// within `timeout` nanoseconds.
    func holders(of infoHash: SHA1Digest, timeout: UInt64) async -> [PeerAddress]
}

/// Where ZenFS holders announce themselves in the DHT. The info-hash itself is announced with the BitTorrent
/// port (libtorrent does so for every seeded torrent, so any BitTorrent client with DHT finds the seeder);
/// the key derived here is announced with the node's ZenFS peer port, so a node's lookup gives addresses it can
/// dial with the peer protocol.
public enum HolderKey {
    static let prefix = Array("zenfs-holders/1:".utf8)

    /// SHA1 of "zenfs-holders/1:" followed by the 20 bytes of the info-hash.
    public static func of(_ infoHash: SHA1Digest) -> SHA1Digest {
        SHA1Digest.of(prefix + infoHash.bytes)
    }
}
