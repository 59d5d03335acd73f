import Foundation
import ZenFS

/// The read-only tree under `/.zen`: `torrents/<path>.torrent` (the metainfo of every file and folder whose
/// content is a whole metainfo, mirroring the namespace) and `by-infohash/<hex>/…` (any content the node knows,
/// by info-hash, read lazily part by part). Its inode numbers are allocated on first use above `firstInode`.
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

    static func isVirtual(_ inode: Int64) -> Bool { UInt64(bitPattern: inode) >= firstInode }

    func inode(for node: Node) -> Int64 {
        lock.withLock {
            if let known = numbers[node] { return Int64(bitPattern: known) }
            let number = next
            next += 1
            numbers[node] = number
            nodes[number] = node
            return Int64(bitPattern: number)
        }
    }

    func node(_ inode: Int64) throws -> Node {
        guard let node = lock.withLock({ nodes[UInt64(bitPattern: inode)] }) else { throw PosixError.notFound }
        return node
    }
}
