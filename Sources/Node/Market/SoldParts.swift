import Synchronization
import ZenFS

/// The parts this node keeps for publishers that pay it: their own element store (`sold/` in the data
/// directory), and which of them may be served now (those of active contracts).
public final class SoldParts: Sendable {
    let store: ElementStore
    let servable = Mutex<Set<SHA1Digest>>([])

    init(directory: String) throws {
        store = try ElementStore(directory: directory)
    }

    /// The part's bytes, when an active contract covers it.
    func read(_ hash: SHA1Digest) -> [UInt8]? {
        guard servable.withLock({ $0.contains(hash) }) else { return nil }
        return try? store.read(hash, verify: true)
    }

    func holds(_ hash: SHA1Digest) -> Bool { servable.withLock { $0.contains(hash) } && store.contains(hash) }
}

/// What the peer network serves: the node's own elements, then the parts it keeps for paying publishers.
struct MarketElementProvider: ElementProvider {
    let local: LocalElements
    let sold: SoldParts

    func holds(_ kind: ElementKind, _ hash: SHA1Digest) -> Bool {
        local.holds(kind, hash) || (kind == .part && sold.holds(hash))
    }

    func read(_ kind: ElementKind, _ hash: SHA1Digest) -> [UInt8]? {
        local.read(kind, hash) ?? (kind == .part ? sold.read(hash) : nil)
    }

    func search(tags: [String], fields: [String: String], includeMetainfo: Bool) -> [SearchHit] {
        local.search(tags: tags, fields: fields, includeMetainfo: includeMetainfo)
    }
}
