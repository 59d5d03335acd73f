import Node

/// Control requests the CLI has no command for, sent the way the mount sends them.
enum ControlClientShim {
    /// Asks the node to fetch one metainfo (not its parts) by info-hash.
    static func fetchMetainfo(_ infoHash: String, dataDirectory: String) throws -> Bool {
        let client = try ControlClient(dataDirectory: dataDirectory)
        return (try? client.send(.fetchElement(kind: "metainfo", hash: infoHash, content: nil))) != nil
    }
}
