import Node
import ZenFS

/// Brings content a command names to this node through the running node, when one runs.
enum NetworkContent {
    /// When a node runs, asks it to fetch whatever the info-hash (or the indexed content `reference` names)
    /// lacks locally; returns the number of parts fetched. Without a node, changes nothing and returns nil.
    @discardableResult
    static func ensureLocal(_ reference: String, service: FileSystemService, dataDirectory: String) throws -> Int? {
        let infoHash: SHA1Digest
        if let hash = SHA1Digest(hex: reference) {
            infoHash = hash
        } else if case .metainfo(let hash) = try service.resolve(reference) {
            infoHash = hash
        } else if case .entry(let entry, _) = try service.resolve(reference), let hash = entry.infoHash {
            infoHash = hash
        } else {
            return nil
        }
        let client: ControlClient
        do {
            client = try ControlClient(dataDirectory: dataDirectory)
        } catch .noNode {
            return nil
        }
        return try client.send(.fetchContent(infoHash: infoHash.hex)).fetchedParts
    }
}
