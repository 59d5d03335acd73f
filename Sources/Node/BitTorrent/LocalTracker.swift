import ZenFS

/// Where this machine's node serves BitTorrent clients: the running node's tracker, or the default address.
public enum LocalTracker {
    public static let defaultBase = "http://127.0.0.1:6969"

    /// The base URL (`http://host:port`) of the node's tracker and web seed.
    public static func base(dataDirectory: String) -> String {
        guard let client = try? ControlClient(dataDirectory: dataDirectory),
            let announce = (try? client.send(.status))?.status?.tracker,
            announce.hasSuffix("/announce")
        else { return defaultBase }
        return String(announce.dropLast("/announce".count))
    }
}

extension Metainfo {
    /// The metainfo as this node exports it: announcing to the tracker at `base`, with its web seed there.
    public func exported(trackerBase base: String) -> Metainfo {
        var copy = self
        copy.announce = base + "/announce"
        copy.urlList = [base + "/seed/\(infoHash.hex)/"]
        return copy
    }
}
