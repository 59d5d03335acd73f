import Node
import ZenFS

/// Finds the metainfo a user names by info-hash, metainfo name, or ZenFS path.
enum ContentLookup {
    static func metainfo(_ reference: String, in service: FileSystemService) throws -> Metainfo {
        switch try service.resolve(reference) {
        case .metainfo(let hash): return try service.metainfo(hash)
        case .entry(let entry, _):
            if let hash = entry.infoHash { return try service.metainfo(hash) }
        case nil: break
        }
        throw IngestError.unknownContent(reference: reference)
    }
}
