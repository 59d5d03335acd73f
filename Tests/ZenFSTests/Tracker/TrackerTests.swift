import Testing
import ZenFS

struct TrackerTests {
    static let hash = SHA1Digest.of(Array("torrent".utf8))
    static let escapedHash = hash.bytes.map { "%" + String($0, radix: 16, uppercase: true).leftPadded }.joined()
    static let peerID = "-ZN0001-abcdefghijkl"

    static func query(_ extra: String = "", peer: String = peerID, port: Int = 6881, left: Int = 0) -> String {
        "info_hash=\(escapedHash)&peer_id=\(peer)&port=\(port)&uploaded=0&downloaded=0&left=\(left)\(extra)"
    }

    /// A well-formed announce parses; binary info-hashes come percent-encoded.
    @Test func parsesAnnounces() throws {
        let announce = try TrackerQuery.announce(Self.query("&compact=1&event=started&numwant=5"))
        #expect(announce.infoHash == Self.hash)
        #expect(announce.port == 6881 && announce.compact && announce.event == .started && announce.numberWanted == 5)
    }

    /// Hostile queries get precise failures: missing or short info-hash, bad port, repeated keys, bad escapes,
    /// unknown events, oversize queries.
    @Test func refusesHostileQueries() {
        let cases: [(String, TrackerError)] = [
            ("peer_id=\(Self.peerID)&port=1", .missing("info_hash")),
            ("info_hash=abc&peer_id=\(Self.peerID)&port=1", .malformed("info_hash")),
            (Self.query().replacingOccurrences(of: "port=6881", with: "port=0"), .malformed("port")),
            (Self.query().replacingOccurrences(of: "port=6881", with: "port=70000"), .malformed("port")),
            (Self.query().replacingOccurrences(of: "port=6881", with: "port=-1"), .malformed("port")),
            (Self.query("&port=7"), .repeated("port")),
            (Self.query("&event=exploded"), .malformed("event")),
            (Self.query("&left=%zz"), .malformed("left")),
            ("info_hash=\(Self.escapedHash)&port=1", .missing("peer_id")),
            (String(repeating: "a", count: 5000), .tooLong),
            ("=x", .malformed("query")),
        ]
        for (query, expected) in cases {
            #expect(throws: expected) { try TrackerQuery.announce(query) }
        }
    }

    /// Peers see each other, compact (BEP 23) or as dictionaries, the node's own seeder first; stopped peers
    /// leave; silent ones expire; scrape counts seeders, leechers and completions.
    @Test func swarms() throws {
        var swarms = TrackerSwarms(interval: 60)
        let seeder = try TrackerQuery.announce(Self.query(peer: "-ZN0001-seederseeder", port: 7000))
        _ = swarms.announce(seeder, ip: [127, 0, 0, 2], now: 0)
        let leecher = try TrackerQuery.announce(Self.query("&event=started", left: 100))
        let compact = swarms.announce(leecher, ip: [127, 0, 0, 3], now: 1, firstPeers: [([127, 0, 0, 1], 6000)])
        let decoded = try BencodeDecoder().decode(compact)
        #expect(decoded["peers"]?.bytesValue == [127, 0, 0, 1, 0x17, 0x70, 127, 0, 0, 2, 0x1b, 0x58])
        #expect(decoded["complete"]?.integerValue == 1 && decoded["incomplete"]?.integerValue == 1)

        let dictionaryRequest = try TrackerQuery.announce(Self.query("&compact=0", left: 100))
        let listed = try BencodeDecoder().decode(swarms.announce(dictionaryRequest, ip: [127, 0, 0, 3], now: 2))
        #expect(listed["peers"]?.listValue?.first?["ip"]?.utf8Value == "127.0.0.2")
        #expect(listed["peers"]?.listValue?.first?["peer id"]?.utf8Value == "-ZN0001-seederseeder")

        let done = try TrackerQuery.announce(Self.query("&event=completed"))
        _ = swarms.announce(done, ip: [127, 0, 0, 3], now: 3)
        let scrape = try BencodeDecoder().decode(swarms.scrape([], known: [Self.hash], now: 3))
        #expect(scrape["files"]?.dictionaryValue?[Self.hash.bytes]?["complete"]?.integerValue == 2)
        #expect(scrape["files"]?.dictionaryValue?[Self.hash.bytes]?["downloaded"]?.integerValue == 1)

        let stopped = try TrackerQuery.announce(Self.query("&event=stopped"))
        _ = swarms.announce(stopped, ip: [127, 0, 0, 3], now: 4)
        #expect(swarms.peerCount(Self.hash) == 1)
        _ = swarms.scrape([], known: [], now: 4 + swarms.expiry)
        #expect(swarms.peerCount(Self.hash) == 0)
    }

    /// Failures are bencoded dictionaries with a `failure reason`.
    @Test func failuresAreBencoded() throws {
        let bytes = TrackerSwarms.failure(.unknownTorrent)
        #expect(try BencodeDecoder().decode(bytes)["failure reason"]?.utf8Value?.hasPrefix("unknown torrent") == true)
    }
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
