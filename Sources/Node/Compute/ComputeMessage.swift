import Chain
import Foundation
import Market

/// A message of the VM market between a publisher and a node that accepted its task, carried in the peer
/// protocol's market frames behind the tag `ComputeMessage.tag` (storage market messages never start with it).
/// Kinds and the fields each uses:
/// - `join` (node → publisher): task, acceptance, payee, rates (the node's asking prices), resources, tunnelKey.
/// - `refused` (either way): task, reason.
/// - `contract` (publisher → node): task, channel, channelIndex, payer, expiry, funding, closeFee, interval, endsAt.
/// - `ready` (node → publisher): task, port (the publisher's loopback port forwarded to the guest's SSH).
/// - `usage` (node → publisher): task, usage (the running total the node metered), final.
/// - `payment` (publisher → node): task, amount, signature (a channel state).
/// - `paymentAccepted` (node → publisher): task, amount.
/// - `end` (either way): task; the lease is over, the node stops the VM and sends its final usage.
struct ComputeMessage: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        case join, refused, contract, ready, usage, payment, paymentAccepted, end
    }

    static let tag: UInt8 = 0xC5

    var kind: Kind
    /// The task announcement's id, in hexadecimal.
    var task: String
    var acceptance: String?
    var payee: String?
    var payer: String?
    var rates: VMRates?
    var resources: VMResources?
    var tunnelKey: String?
    var reason: String?
    var channel: String?
    var channelIndex: UInt32?
    var expiry: UInt32?
    var funding: Int64?
    var closeFee: Int64?
    var interval: Int64?
    var endsAt: Int64?
    var port: Int?
    var usage: VMUsage?
    var final: Bool?
    var amount: Int64?
    var signature: String?

    init(_ kind: Kind, task: String) {
        self.kind = kind
        self.task = task
    }

    func encoded() -> [UInt8] {
        [Self.tag] + Array((try? JSONEncoder().encode(self)) ?? Data())
    }

    /// Reads a market frame that starts with the tag; nil for every other frame.
    static func decode(_ bytes: [UInt8]) throws -> ComputeMessage? {
        guard bytes.first == tag else { return nil }
        return try JSONDecoder().decode(ComputeMessage.self, from: Data(bytes.dropFirst()))
    }

    var channelOutPoint: OutPoint? {
        guard let channel, let index = channelIndex, let hash = Hex.decode(channel).flatMap(Hash256.init(bytes:))
        else { return nil }
        return OutPoint(transaction: hash, index: index)
    }

    var stateSignature: Signature? { signature.flatMap(Hex.decode).flatMap(Signature.init(bytes:)) }
}
