import Chain
import Foundation
import ZenFS

/// One banned peer as the ban list keeps it.
public struct BanRecord: Codable, Sendable, Equatable {
    /// The peer's public key (compressed, hexadecimal): a ban follows the identity to any address.
    public let identity: String
    /// The listen address the peer announced, banned too ("-" when it announced none).
    public let address: String
    public let reason: String
    /// When the ban began, in seconds since 1970.
    public let since: Int64

    public init(identity: String, address: String, reason: String, since: Int64) {
        self.identity = identity
        self.address = address
        self.reason = reason
        self.since = since
    }
}

/// The peers a node has banned, kept in `bans.json` in the data directory so a ban outlives a restart. The
/// file is rewritten whole (to a temporary file, synced, then renamed), so a crash leaves the old list or the
/// new one. A file that cannot be read is reported and set aside, never a reason not to start.
public struct BanList: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The bans on disk; a missing file is an empty list.
    public func load() throws(BanListError) -> [BanRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        do {
            return try JSONDecoder().decode([BanRecord].self, from: data)
        } catch {
            throw .malformed(path, "\(error)")
        }
    }

    /// Writes the whole list durably.
    public func save(_ records: [BanRecord]) throws(BanListError) {
        let temporary = path + ".tmp"
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(records)
            guard FileManager.default.createFile(atPath: temporary, contents: data) else {
                throw BanListError.cannotWrite(path, "cannot create \(temporary)")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else {
                throw BanListError.cannotWrite(path, String(cString: strerror(errno)))
            }
        } catch let error as BanListError {
            throw error
        } catch {
            throw .cannotWrite(path, "\(error)")
        }
    }

    /// The keys and addresses a record list bans; records whose key does not parse are skipped.
    static func banned(_ records: [BanRecord]) -> (keys: Set<PublicKey>, addresses: Set<PeerAddress>) {
        var keys: Set<PublicKey> = []
        var addresses: Set<PeerAddress> = []
        for record in records {
            if let bytes = Hex.decode(record.identity), let key = try? PublicKey(bytes: bytes) { keys.insert(key) }
            if let address = PeerAddress(parsing: record.address) { addresses.insert(address) }
        }
        return (keys, addresses)
    }
}

/// Why the ban list could not be read or written.
public enum BanListError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case malformed(String, String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the ban list \(path); check its permissions"
        case .malformed(let path, let detail):
            "the ban list \(path) is not valid JSON (\(detail)); it was set aside, fix or delete it"
        case .cannotWrite(let path, let reason):
            "cannot save the ban list \(path): \(reason); the ban holds until the node stops"
        }
    }
}
