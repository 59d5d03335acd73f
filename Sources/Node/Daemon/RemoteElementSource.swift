import Dispatch
import Synchronization
import ZenFS

/// Where the mount gets elements it lacks: the running node, which fetches them from the network.
public protocol RemoteElementSource: Sendable {
    /// Brings an element into the local store; true when it is there now. Throws `quotaExceeded` when the quota
    /// has no room for it (or for the content it belongs to).
    func fetch(_ kind: ElementKind, _ hash: SHA1Digest, content: SHA1Digest?) throws(StoreError) -> Bool
    /// Starts bringing parts in the background (readahead).
    func prefetch(_ hashes: [SHA1Digest], content: SHA1Digest?)
}

/// Asks the node of a data directory, through its control socket; when no node runs, nothing is fetched.
public final class NodeElementSource: RemoteElementSource {
    private let dataDirectory: String
    private let queue = DispatchQueue(label: "zenfs.readahead", attributes: .concurrent)
    /// Parts being prefetched now, so a sequential reader does not ask twice.
    private let pending = Mutex<Set<SHA1Digest>>([])
    /// Prefetches running at once.
    static let maximumPrefetches = 16

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    public func fetch(_ kind: ElementKind, _ hash: SHA1Digest, content: SHA1Digest?) throws(StoreError) -> Bool {
        do {
            let client = try ControlClient(dataDirectory: dataDirectory)
            _ = try client.send(.fetchElement(kind: kind.name, hash: hash.hex, content: content?.hex))
            return true
        } catch .refused(let refusal) {
            throw refusal.storeError
        } catch {
            return false
        }
    }

    public func prefetch(_ hashes: [SHA1Digest], content: SHA1Digest?) {
        let started = pending.withLock { pending -> [SHA1Digest] in
            let room = max(0, Self.maximumPrefetches - pending.count)
            let fresh = hashes.filter { !pending.contains($0) }.prefix(room)
            pending.formUnion(fresh)
            return Array(fresh)
        }
        for hash in started {
            queue.async { [self] in
                _ = try? fetch(.part, hash, content: content)
                _ = pending.withLock { $0.remove(hash) }
            }
        }
    }
}
