/// Why a tracker request was refused; the text goes back to the client as its bencoded `failure reason`.
public enum TrackerError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(String)
    case malformed(String)
    case repeated(String)
    case unknownTorrent
    case tooLong

    public var description: String {
        switch self {
        case .missing(let key): "missing \(key)"
        case .malformed(let key): "malformed \(key)"
        case .repeated(let key): "\(key) given more than once"
        case .unknownTorrent: "unknown torrent: this tracker serves only what its node holds"
        case .tooLong: "request too long"
        }
    }
}

/// A BEP 3 announce, parsed strictly from its raw query string.
public struct Announce: Equatable, Sendable {
    public enum Event: String, Sendable {
        case started, stopped, completed
    }

    public let infoHash: SHA1Digest
    public let peerID: [UInt8]
    public let port: UInt16
    public let left: Int64
    public let compact: Bool
    public let event: Event?
    public let numberWanted: Int
}

/// Parses tracker query strings: `key=value&…`, values percent-encoded (binary for `info_hash` and `peer_id`).
public enum TrackerQuery {
    /// The longest query accepted.
    public static let maximumLength = 4096

    /// The raw query split into keys and byte values; a key given twice is an error (except `info_hash` for
    /// scrapes, which `allowRepeated` names).
    public static func fields(_ query: String, allowRepeated: Set<String> = []) throws(TrackerError)
        -> [String: [[UInt8]]]
    {
        guard query.utf8.count <= maximumLength else { throw .tooLong }
        var fields: [String: [[UInt8]]] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(Substring(parts[0])).flatMap({ String(validating: $0, as: UTF8.self) }),
                !key.isEmpty
            else { throw .malformed("query") }
            guard let value = decode(parts.count > 1 ? parts[1] : "") else { throw .malformed(key) }
            if fields[key] != nil, !allowRepeated.contains(key) { throw .repeated(key) }
            fields[key, default: []].append(value)
        }
        return fields
    }

    /// Parses an announce.
    public static func announce(_ query: String) throws(TrackerError) -> Announce {
        let fields = try fields(query)
        guard let rawHash = fields["info_hash"]?.first else { throw .missing("info_hash") }
        guard let infoHash = SHA1Digest(bytes: rawHash) else { throw .malformed("info_hash") }
        guard let peerID = fields["peer_id"]?.first else { throw .missing("peer_id") }
        guard peerID.count == 20 else { throw .malformed("peer_id") }
        guard let portText = fields["port"]?.first else { throw .missing("port") }
        guard let port = number(portText).flatMap({ UInt16(exactly: $0) }), port > 0 else { throw .malformed("port") }
        let left =
            try fields["left"].map { value throws(TrackerError) -> Int64 in
                guard let first = value.first, let left = number(first), left >= 0 else { throw .malformed("left") }
                return left
            } ?? 0
        for key in ["uploaded", "downloaded"] {
            if let value = fields[key]?.first, number(value).map({ $0 >= 0 }) != true { throw .malformed(key) }
        }
        let compact = fields["compact"]?.first.map { $0 == Array("1".utf8) } ?? true
        var event: Announce.Event?
        if let raw = fields["event"]?.first, !raw.isEmpty {
            guard let text = String(validating: raw, as: UTF8.self), let parsed = Announce.Event(rawValue: text) else {
                throw .malformed("event")
            }
            event = parsed
        }
        var wanted = 50
        if let raw = fields["numwant"]?.first {
            guard let value = number(raw), value >= 0 else { throw .malformed("numwant") }
            wanted = Int(min(value, 200))
        }
        return Announce(
            infoHash: infoHash,
            peerID: peerID,
            port: port,
            left: left,
            compact: compact,
            event: event,
            numberWanted: wanted
        )
    }

    /// The info-hashes of a scrape (none: every torrent).
    public static func scrape(_ query: String) throws(TrackerError) -> [SHA1Digest] {
        let fields = try fields(query, allowRepeated: ["info_hash"])
        var hashes: [SHA1Digest] = []
        for raw in fields["info_hash"] ?? [] {
            guard let hash = SHA1Digest(bytes: raw) else { throw .malformed("info_hash") }
            hashes.append(hash)
        }
        return hashes
    }

    private static func number(_ bytes: [UInt8]) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 19, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(String(decoding: bytes, as: UTF8.self))
    }

    /// Percent-decoding to bytes; `+` stays `+` (BitTorrent clients escape spaces). Nil for a bad escape.
    public static func decode(_ text: Substring) -> [UInt8]? {
        var output: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else {
                return nil
            }
            output.append(high << 4 | low)
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 65...70: byte - 55
        case 97...102: byte - 87
        default: nil
        }
    }
}
