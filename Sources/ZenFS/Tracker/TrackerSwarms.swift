/// The tracker's memory of who is in which swarm, free of I/O: announces add, refresh or remove peers; peers
/// that stop announcing expire; answers are bencoded as BEP 3 (dictionary peers) or BEP 23 (compact).
public struct TrackerSwarms: Sendable {
    /// Seconds clients are asked to wait between announces.
    public let interval: Int64
    /// Seconds after its last announce a peer is forgotten.
    public var expiry: Int64 { interval * 2 + 30 }

    struct Peer: Equatable {
        let ip: [UInt8]
        let port: UInt16
        let peerID: [UInt8]
        var seeding: Bool
        var lastSeen: Int64
    }

    private var swarms: [SHA1Digest: [[UInt8]: Peer]] = [:]
    private var completed: [SHA1Digest: Int64] = [:]

    public init(interval: Int64 = 120) {
        self.interval = interval
    }

    /// Records an announce from `ip` (4 bytes) at `now` (seconds) and returns the bencoded answer: the other
    /// peers, with `firstPeers` (this node's own seeder) listed first.
    public mutating func announce(
        _ request: Announce,
        ip: [UInt8],
        now: Int64,
        firstPeers: [(ip: [UInt8], port: UInt16)] = []
    ) -> [UInt8] {
        expire(now: now)
        let hash = request.infoHash
        if request.event == .stopped {
            swarms[hash]?[request.peerID] = nil
        } else {
            swarms[hash, default: [:]][request.peerID] = Peer(
                ip: ip,
                port: request.port,
                peerID: request.peerID,
                seeding: request.left == 0,
                lastSeen: now
            )
            if request.event == .completed { completed[hash, default: 0] += 1 }
        }
        let others = (swarms[hash] ?? [:]).values.filter { $0.peerID != request.peerID }.sorted {
            $0.lastSeen > $1.lastSeen
        }
        var listed: [(ip: [UInt8], port: UInt16, peerID: [UInt8]?)] = firstPeers.map { ($0.ip, $0.port, nil) }
        for peer in others where !listed.contains(where: { $0.ip == peer.ip && $0.port == peer.port }) {
            listed.append((peer.ip, peer.port, peer.peerID))
        }
        listed = Array(listed.prefix(request.numberWanted))
        let (seeders, leechers) = counts(hash)
        var answer: [[UInt8]: BencodeValue] = [
            Array("interval".utf8): .integer(interval),
            Array("min interval".utf8): .integer(interval / 2),
            Array("complete".utf8): .integer(Int64(seeders)),
            Array("incomplete".utf8): .integer(Int64(leechers)),
        ]
        if request.compact {
            answer[Array("peers".utf8)] = .string(
                listed.filter { $0.ip.count == 4 }.flatMap { $0.ip + [UInt8($0.port >> 8), UInt8($0.port & 0xff)] }
            )
        } else {
            answer[Array("peers".utf8)] = .list(
                listed.map { peer in
                    var entry: [[UInt8]: BencodeValue] = [
                        Array("ip".utf8): .string(Array(Self.dotted(peer.ip).utf8)),
                        Array("port".utf8): .integer(Int64(peer.port)),
                    ]
                    if let peerID = peer.peerID { entry[Array("peer id".utf8)] = .string(peerID) }
                    return .dictionary(entry)
                }
            )
        }
        return BencodeEncoder.encode(.dictionary(answer))
    }

    /// BEP 48: counts for the given torrents (those this tracker knows, when `hashes` is empty).
    public mutating func scrape(_ hashes: [SHA1Digest], known: [SHA1Digest], now: Int64) -> [UInt8] {
        expire(now: now)
        var files: [[UInt8]: BencodeValue] = [:]
        for hash in hashes.isEmpty ? known : hashes where known.contains(hash) {
            let (seeders, leechers) = counts(hash)
            files[hash.bytes] = .dictionary([
                Array("complete".utf8): .integer(Int64(seeders)),
                Array("downloaded".utf8): .integer(completed[hash] ?? 0),
                Array("incomplete".utf8): .integer(Int64(leechers)),
            ])
        }
        return BencodeEncoder.encode(.dictionary([Array("files".utf8): .dictionary(files)]))
    }

    /// A bencoded `failure reason`.
    public static func failure(_ error: TrackerError) -> [UInt8] {
        BencodeEncoder.encode(.dictionary([Array("failure reason".utf8): .string(Array(error.description.utf8))]))
    }

    /// Peers known now in a swarm.
    public func peerCount(_ hash: SHA1Digest) -> Int { swarms[hash]?.count ?? 0 }

    private func counts(_ hash: SHA1Digest) -> (Int, Int) {
        let peers = swarms[hash]?.values ?? [:].values
        let seeders = peers.filter(\.seeding).count
        return (seeders, peers.count - seeders)
    }

    private mutating func expire(now: Int64) {
        for (hash, peers) in swarms {
            let alive = peers.filter { now - $0.value.lastSeen < expiry }
            swarms[hash] = alive.isEmpty ? nil : alive
        }
    }

    static func dotted(_ ip: [UInt8]) -> String { ip.map(String.init).joined(separator: ".") }
}
