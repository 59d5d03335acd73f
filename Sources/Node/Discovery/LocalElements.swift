import Logging
import ZenFS

/// The node's own elements as the peer network sees them: what it holds and serves (verified before it is
/// served), and where fetched elements go (verified before they are stored).
public final class LocalElements: ElementProvider {
    public let data: DataDirectory
    private let logger: Logger
    private let committer: FetchedElementCommitter

    public init(data: DataDirectory, logger: Logger) {
        self.data = data
        self.logger = logger
        committer = FetchedElementCommitter(data: data)
    }

    public func holds(_ kind: ElementKind, _ hash: SHA1Digest) -> Bool {
        switch kind {
        case .part: data.store.contains(hash)
        case .metainfo: ((try? data.catalog.metainfo(hash)) ?? nil).map { data.store.contains($0.element) } ?? false
        }
    }

    public func read(_ kind: ElementKind, _ hash: SHA1Digest) -> [UInt8]? {
        do {
            switch kind {
            case .part:
                guard data.store.contains(hash) else { return nil }
                return try data.store.read(hash, verify: true)
            case .metainfo:
                guard let record = try data.catalog.metainfo(hash) else { return nil }
                return try data.store.read(record.element, verify: true)
            }
        } catch {
            logger.warning("cannot serve \(kind) \(hash): \(error)")
            return nil
        }
    }

    public func search(tags: [String], fields: [String: String], includeMetainfo: Bool) -> [SearchHit] {
        guard let records = try? data.catalog.search(tags: tags, fields: fields) else { return [] }
        return records.prefix(256).map { record in
            SearchHit(
                infoHash: record.infoHash,
                name: record.name,
                metainfo: includeMetainfo ? try? data.store.read(record.element, verify: true) : nil
            )
        }
    }

    /// True when `bytes` are what an element of this kind and name must be.
    public static func verify(_ kind: ElementKind, _ hash: SHA1Digest, _ bytes: [UInt8]) -> Bool {
        switch kind {
        case .part: return SHA1Digest.of(bytes) == hash
        case .metainfo: return (try? Metainfo(parsing: bytes))?.infoHash == hash
        }
    }

    /// Stores bytes fetched from a peer that the caller has checked with `verify`: a part in the store
    /// (committed in groups with other fetched parts); a metainfo in the store and the index.
    func storeVerified(_ kind: ElementKind, _ hash: SHA1Digest, _ bytes: [UInt8]) async throws {
        if kind == .part {
            try await committer.store(bytes, as: hash)
            return
        }
        try data.withLock(.shared) {
            switch kind {
            case .part:
                break
            case .metainfo:
                let metainfo = try Metainfo(parsing: bytes)
                guard metainfo.infoHash == hash else { throw StoreError.corruptElement(hash) }
                let element = try data.store.store(bytes)
                try data.indexFetchedMetainfo(metainfo, element: element, elementSize: Int64(bytes.count))
            }
        }
    }
}
