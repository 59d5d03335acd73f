import CTorrent
import Dispatch
import Foundation
import Logging
import Synchronization
import ZenFS

/// Why seeding could not start.
public enum SeederError: Error, CustomStringConvertible {
    case cannotStart(String)

    public var description: String {
        switch self {
        case .cannotStart(let reason): "cannot start the BitTorrent session: \(reason)"
        }
    }
}

/// What the seeding session reports for `zenfs status`.
public struct SeedingStatus: Codable, Sendable, Equatable {
    public let torrents: Int
    public let peers: Int
    public let bytesServed: Int64
    public let port: Int
}

/// A libtorrent session inside the node (through `CTorrent`) that seeds every metainfo the node knows, reading
/// pieces straight from the element store; a piece that is not local is fetched from the circuit first.
public final class BitTorrentSeeder: @unchecked Sendable {
    private let handle: OpaquePointer
    private let data: DataDirectory
    private let logger: Logger
    private let fetchBox: Unmanaged<FetchBox>
    private let seeded = Mutex<Set<SHA1Digest>>([])
    /// Metainfo libtorrent refused once: each is reported once, not at every pass.
    private let refused = Mutex<Set<SHA1Digest>>([])

    /// Carries the fetch closure through libtorrent's C callback.
    final class FetchBox {
        let fetch: @Sendable (SHA1Digest) -> Bool
        init(_ fetch: @escaping @Sendable (SHA1Digest) -> Bool) { self.fetch = fetch }
    }

    /// Whether the session runs the Mainline DHT.
    public let runsDHT: Bool

    /// - Parameters:
    ///   - dhtBootstrap: DHT nodes to join through ("host:port", possibly none: others join through this
    ///     one); nil runs no DHT.
    ///   - fetch: brings a part into the store (blocking); true when it is there.
    public init(
        listen: String,
        data: DataDirectory,
        logger: Logger,
        dhtBootstrap: [String]? = nil,
        fetch: @escaping @Sendable (SHA1Digest) -> Bool
    ) throws {
        runsDHT = dhtBootstrap != nil
        self.data = data
        self.logger = logger
        fetchBox = Unmanaged.passRetained(FetchBox(fetch))
        var error = [CChar](repeating: 0, count: 512)
        let callback: CTorrentFetchPart = { context, sha1 in
            guard let context, let sha1, let hash = SHA1Digest(bytes: UnsafeBufferPointer(start: sha1, count: 20))
            else { return -1 }
            return Unmanaged<FetchBox>.fromOpaque(context).takeUnretainedValue().fetch(hash) ? 0 : -1
        }
        guard
            let handle = CTorrentSeeder_start(
                listen,
                data.store.root,
                dhtBootstrap?.joined(separator: ","),
                callback,
                fetchBox.toOpaque(),
                &error,
                error.count
            )
        else {
            fetchBox.release()
            throw SeederError.cannotStart(error.cMessage)
        }
        self.handle = handle
    }

    deinit {
        CTorrentSeeder_stop(handle)
        fetchBox.release()
    }

    /// Seeds every indexed metainfo not seeded yet, announcing to `tracker`; returns how many were added.
    /// Content without a byte (an empty file) has no piece to serve and no swarm: it is left out.
    @discardableResult
    public func seedAll(tracker: String?) -> Int {
        let records = (try? data.catalog.allMetainfos()) ?? []
        var added = 0
        for record in records
        where !seeded.withLock({ $0.contains(record.infoHash) }) && !refused.withLock({ $0.contains(record.infoHash) })
        {
            guard let bytes = try? data.store.read(record.element, verify: true) else { continue }
            guard let metainfo = try? Metainfo(parsing: bytes), !metainfo.info.pieces.isEmpty else {
                refused.withLock { _ = $0.insert(record.infoHash) }
                continue
            }
            var error = [CChar](repeating: 0, count: 512)
            let result = bytes.withUnsafeBufferPointer { buffer in
                CTorrentSeeder_add(handle, buffer.baseAddress, buffer.count, tracker, &error, error.count)
            }
            if result < 0 {
                refused.withLock { _ = $0.insert(record.infoHash) }
                logger.warning("cannot seed \(record.infoHash): \(error.cMessage)")
                continue
            }
            seeded.withLock { _ = $0.insert(record.infoHash) }
            added += 1
        }
        return added
    }

    /// The info-hashes of everything seeded now.
    public var seededInfoHashes: [SHA1Digest] { seeded.withLock { Array($0) } }

    /// Announces into the DHT that this host serves `key` on `port`; false when the session runs no DHT.
    @discardableResult
    public func announce(_ key: SHA1Digest, port: UInt16) -> Bool {
        key.bytes.withUnsafeBufferPointer { CTorrentSeeder_dht_announce(handle, $0.baseAddress, Int32(port)) } == 0
    }

    /// The peers the DHT lists under `key`, waiting at most `timeout` seconds for the first; blocks the caller.
    public func lookUp(_ key: SHA1Digest, timeout: Double) -> [PeerAddress] {
        var endpoints = [CTorrentEndpoint](repeating: CTorrentEndpoint(), count: 32)
        let count = key.bytes.withUnsafeBufferPointer { keyBytes in
            endpoints.withUnsafeMutableBufferPointer { buffer in
                CTorrentSeeder_dht_get_peers(handle, keyBytes.baseAddress, timeout, buffer.baseAddress, 32)
            }
        }
        guard count > 0 else { return [] }
        return endpoints.prefix(Int(count)).map { endpoint in
            var host = endpoint.host
            let text = withUnsafeBytes(of: &host) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return PeerAddress(host: text, port: endpoint.port)
        }
    }

    public var status: SeedingStatus {
        var stats = CTorrentSeederStats()
        CTorrentSeeder_stats(handle, &stats)
        return SeedingStatus(
            torrents: Int(stats.torrents),
            peers: Int(stats.peers),
            bytesServed: stats.bytes_uploaded,
            port: Int(stats.listen_port)
        )
    }
}
