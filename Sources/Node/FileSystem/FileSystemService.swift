import Foundation
import ZenFS

/// The filesystem service: adds, imports, reads back, verifies and collects content in one data directory.
/// The CLI and the mount both go through it, so behaviour is the same however it is reached.
public final class FileSystemService: Sendable {
    public let data: DataDirectory
    /// Threads that hash and verify parts in parallel.
    public let workers: Int

    public init(data: DataDirectory, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.data = data
        self.workers = max(1, workers)
    }

    var store: ElementStore { data.store }
    var catalog: Catalog { data.catalog }

    /// Reads and parses the stored metainfo of an indexed info-hash, verifying its element.
    public func metainfo(_ infoHash: SHA1Digest) throws -> Metainfo {
        guard let metainfo = try data.storedMetainfo(infoHash) else {
            throw IngestError.unknownContent(reference: infoHash.hex)
        }
        return metainfo
    }

    /// Finds content by info-hash (full hex) or by namespace path; nil when neither names anything.
    public func resolve(_ reference: String) throws -> ContentReference? {
        if let hash = SHA1Digest(hex: reference), try catalog.metainfo(hash) != nil {
            return .metainfo(hash)
        }
        if let entry = try catalog.entry(atPath: reference) {
            return .entry(entry, path: "/" + (try Catalog.components(of: reference)).joined(separator: "/"))
        }
        let byName = try catalog.allMetainfos().filter { $0.name == reference }
        if byName.count == 1 { return .metainfo(byName[0].infoHash) }
        return nil
    }
}

/// Something a user named: a whole metainfo, or an entry of the namespace.
public enum ContentReference: Equatable, Sendable {
    case metainfo(SHA1Digest)
    case entry(NamespaceEntry, path: String)
}
