import Foundation
import ZenFS

/// The read-only tree under `/.zen`: `torrents/<path>.torrent` (the metainfo of every file and folder whose
/// content is a whole metainfo, mirroring the namespace) and `by-infohash/<hex>/…` (any content the node knows,
/// by info-hash, read lazily part by part). Its inode numbers are allocated on first use above `firstInode` and
/// never reused. Each number counts its holds (the kernel's lookups, open listings that show it) and is released
/// when the last one goes, so listing every version of many `.torrent` files does not keep a number for each
/// until unmount. Taking a number and holding it is one step, so no release can come between.
final class VirtualTree: @unchecked Sendable {
    /// What a virtual inode stands for.
    enum Node: Hashable {
        case zenRoot
        case torrentsDirectory(namespaceDirectory: Int64)
        /// Named by the info-hash it exports: a file's new version gets a new inode (whose size the kernel has
        /// not cached), and a `.torrent` already open keeps the version it opened.
        case torrentFile(SHA1Digest)
        case byInfoHashRoot
        /// A file or folder inside a metainfo's content; `path` is empty for the content's top.
        case content(SHA1Digest, path: [String])
    }

    static let name = ".zen"
    static let firstInode: UInt64 = 1 << 62

    private let lock = NSLock()
    private var numbers: [Node: UInt64] = [:]
    private var nodes: [UInt64: Node] = [:]
    private var next = firstInode
    private var holds: [UInt64: Int] = [:]

    static func isVirtual(_ inode: Int64) -> Bool { UInt64(bitPattern: inode) >= firstInode }

    /// The number of `node`, taken now if it has none, with `holding` more holds on it.
    func inode(for node: Node, holding: Int = 0) -> Int64 {
        lock.withLock {
            let number: UInt64
            if let known = numbers[node] {
                number = known
            } else {
                number = next
                next += 1
                numbers[node] = number
                nodes[number] = node
            }
            holds[number, default: 0] += holding
            return Int64(bitPattern: number)
        }
    }

    /// One more hold on a number that is already held (by the listing that showed it).
    func hold(_ inode: Int64) {
        lock.withLock {
            let number = UInt64(bitPattern: inode)
            if nodes[number] != nil { holds[number, default: 0] += 1 }
        }
    }

    /// Drops `count` holds; the number is released with its last one (the next use of its node gets a new one).
    func drop(_ inode: Int64, count: Int = 1) {
        lock.withLock {
            let number = UInt64(bitPattern: inode)
            guard let held = holds[number] else { return }
            if held > count {
                holds[number] = held - count
            } else {
                holds[number] = nil
                if let node = nodes.removeValue(forKey: number) { numbers[node] = nil }
            }
        }
    }

    /// How many numbers are held.
    var count: Int { lock.withLock { nodes.count } }

    func node(_ inode: Int64) throws -> Node {
        guard let node = lock.withLock({ nodes[UInt64(bitPattern: inode)] }) else { throw PosixError.notFound }
        return node
    }
}
