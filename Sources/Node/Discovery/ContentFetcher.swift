import ZenFS

/// Brings a whole file or folder to this node by info-hash: its metainfo first, then every part it lacks,
/// several at once from the metainfo's holders.
public struct ContentFetcher: Sendable {
    public let fetcher: ElementFetcher
    /// Parts fetched at once.
    public let parallelism: Int

    public init(fetcher: ElementFetcher, parallelism: Int = 16) {
        self.fetcher = fetcher
        self.parallelism = parallelism
    }

    /// Fetches what is missing; returns the metainfo and how many parts were fetched.
    @discardableResult
    public func fetchAll(_ infoHash: SHA1Digest) async throws -> (metainfo: Metainfo, fetchedParts: Int) {
        let metainfo = try Metainfo(parsing: try await fetcher.fetch(.metainfo, infoHash))
        let missing = Array(Set(metainfo.info.pieces.filter { !fetcher.local.holds(.part, $0) }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < min(parallelism, missing.count) {
                let part = missing[next]
                group.addTask { _ = try await fetcher.fetch(.part, part, content: infoHash) }
                next += 1
            }
            while try await group.next() != nil {
                guard next < missing.count else { continue }
                let part = missing[next]
                group.addTask { _ = try await fetcher.fetch(.part, part, content: infoHash) }
                next += 1
            }
        }
        return (metainfo, missing.count)
    }
}
