import Chain
import Foundation
import Market
import Synchronization

/// One VM lease as either side keeps it: its terms, its channel, the best state, the usage metered so far and
/// what it comes to. Kept in `vm-leases.json` in the data directory.
public struct VMLeaseRecord: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable { case seller, publisher }

    public enum State: String, Codable, Sendable {
        /// Accepted (node) or announced (publisher); no funded channel yet.
        case accepted
        /// The channel is funded and the VM boots or runs.
        case running
        /// The VM is stopped; the last usage waits for its payment.
        case ending
        /// Payment stopped or fell short: the VM was stopped.
        case cutOff
        /// The channel was closed (or nothing is owed).
        case closed
    }

    public var role: Role
    public var task: String
    /// The other side's identity key (hexadecimal); empty for a publisher's task before any node joined.
    public var peerKey: String
    public var peerAddress: String
    public var state: State
    public var resources: VMResources
    public var rates: VMRates
    public var payoutInterval: Int64
    public var createdAt: Int64
    public var endsAt: Int64
    public var acceptance: String?
    public var tunnelKey: String?
    public var guestKey: String?
    /// HOST:PORT of the publisher's tunnel server.
    public var tunnelAddress: String?
    public var channel: String?
    public var channelIndex: UInt32?
    public var expiry: UInt32?
    /// The channel's payer and payee keys (hexadecimal).
    public var payer: String?
    public var payee: String?
    public var funding: Int64 = 0
    public var closeFee: Int64 = 0
    /// The best channel state (its amount includes the close fee) and its signature.
    public var stateAmount: Int64 = 0
    public var stateSignature: String?
    /// The usage metered so far (the node's meter; the publisher keeps the last usage the node reported).
    public var usage = VMUsage()
    /// What `usage` comes to at `rates`, to the unit.
    public var billedUnits: Int64 = 0
    /// The publisher's loopback port that reaches the guest's SSH through the tunnel.
    public var sshPort: Int?
    public var startedAt: Int64?
    public var stoppedAt: Int64?
    /// When the best state came (the node) or was signed (the publisher).
    public var lastPaidAt: Int64?
    public var closeTransaction: String?
    public var note: String?

    /// The charge paid so far (the best state less the close fee it carries).
    public var paidUnits: Int64 { max(0, stateAmount - closeFee) }

    var key: String { role.rawValue + "/" + task + "/" + peerKey }

    var channelOutPoint: OutPoint? {
        guard let channel, let index = channelIndex, let hash = Hex.decode(channel).flatMap(Hash256.init(bytes:))
        else { return nil }
        return OutPoint(transaction: hash, index: index)
    }

    var channelTerms: ChannelTerms? {
        guard let expiry, let payer = payer.flatMap(Self.key), let payee = payee.flatMap(Self.key) else { return nil }
        return ChannelTerms(payer: payer, payee: payee, expiry: expiry)
    }

    static func key(_ hex: String) -> PublicKey? { Hex.decode(hex).flatMap { try? PublicKey(bytes: $0) } }
}

/// Every VM lease of this node, both roles, saved whole to a JSON file after each change (a few leases at most).
final class LeaseBook: Sendable {
    let path: String
    private let records: Mutex<[String: VMLeaseRecord]>

    init(path: String) throws {
        self.path = path
        var loaded: [String: VMLeaseRecord] = [:]
        if let data = FileManager.default.contents(atPath: path) {
            for record in try JSONDecoder().decode([VMLeaseRecord].self, from: data) { loaded[record.key] = record }
        }
        records = Mutex(loaded)
    }

    var all: [VMLeaseRecord] {
        records.withLock { Array($0.values) }.sorted { ($0.createdAt, $0.key) < ($1.createdAt, $1.key) }
    }

    func record(role: VMLeaseRecord.Role, task: String, peerKey: String) -> VMLeaseRecord? {
        records.withLock { $0[role.rawValue + "/" + task + "/" + peerKey] }
    }

    func save(_ record: VMLeaseRecord) {
        let snapshot = records.withLock { table -> [VMLeaseRecord] in
            table[record.key] = record
            return Array(table.values)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(snapshot) {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
