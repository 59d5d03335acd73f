import Chain
import Foundation
import GRDB
import Market

/// Which side of a contract this node is on.
public enum ContractRole: String, Codable, Sendable {
    /// This node keeps a publisher's parts and is paid.
    case seller
    /// This node hired the holder and pays.
    case publisher
}

/// What a contract pays for.
public enum ContractPurpose: String, Codable, Sendable {
    /// A publisher's parts kept by a holder: storage, upload and the publisher's own reads.
    case storage
    /// A reader's downloads of parts a holder keeps for publishers (no parts of its own).
    case download
}

/// Where a contract is in its life.
public enum ContractState: String, Codable, Sendable {
    /// The seller accepted the offer and waits for the contract.
    case accepted
    /// Parts are kept and paid for.
    case active
    /// The payee stopped serving: payment came late (seller) or the holder went silent (publisher).
    case cutOff
    /// The lease ended; the channel is being closed (or refunded).
    case ended
    /// The channel's output was spent on chain: nothing more moves.
    case closed
}

/// One contract between a publisher and a holder, as this node keeps it in `market.sqlite`: the channel, the
/// prices, the best signed state, and the meter. Amounts are Zencoin units; byte-seconds are decimal text (they
/// outgrow 64 bits).
struct ContractRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "contract"

    var role: ContractRole
    /// Hex of the task announcement's id (of a reading session's id, for a download contract).
    var task: String
    /// Hex of the other side's identity key.
    var peerKey: String
    /// Where the other side listens (the publisher's offer address, or the holder's listen address).
    var peerAddress: String
    var state: ContractState
    var channelTransaction: String?
    var channelIndex: Int64?
    var payerKey: String?
    var payeeKey: String?
    var expiry: Int64?
    var funding: Int64
    var storagePrice: Int64
    var uploadPrice: Int64
    var downloadPrice: Int64
    var payoutInterval: Int64
    var endsAt: Int64
    var closeFee: Int64
    /// The best state's amount and signature (hex).
    var stateAmount: Int64
    var stateSignature: String?
    /// When the payee last accepted a state (or the contract began).
    var lastPaidAt: Int64
    var heldBytes: Int64
    var uploadedBytes: Int64
    var downloadedBytes: Int64
    var storedByteSeconds: String
    var meteredUntil: Int64
    var closeTransaction: String?
    var createdAt: Int64
    /// The bytes the holder promised to take for this contract.
    var promisedBytes: Int64
    /// Hex of the seller's acceptance announcement's id (on the seller's side).
    var acceptance: String?
    var purpose: ContractPurpose = .storage

    var rates: StorageRates {
        StorageRates(
            storagePerGiBMonth: Amount(units: storagePrice),
            uploadPerGiB: Amount(units: uploadPrice),
            downloadPerGiB: Amount(units: downloadPrice)
        )
    }

    var meter: StorageMeter {
        get {
            StorageMeter(
                startingAt: meteredUntil,
                usage: StorageUsage(
                    uploadedBytes: UInt64(uploadedBytes),
                    downloadedBytes: UInt64(downloadedBytes),
                    storedByteSeconds: UInt128(storedByteSeconds) ?? 0
                ),
                heldBytes: UInt64(heldBytes)
            )
        }
        set {
            heldBytes = Int64(newValue.heldBytes)
            uploadedBytes = Int64(newValue.usage.uploadedBytes)
            downloadedBytes = Int64(newValue.usage.downloadedBytes)
            storedByteSeconds = String(newValue.usage.storedByteSeconds)
            meteredUntil = newValue.meteredUntil
        }
    }

    var channel: OutPoint? {
        guard let text = channelTransaction, let index = channelIndex, let bytes = Hex.decode(text),
            let id = Hash256(bytes: bytes)
        else { return nil }
        return OutPoint(transaction: id, index: UInt32(index))
    }

    var channelTerms: ChannelTerms? {
        guard let payer = payerKey.flatMap(Hex.decode).flatMap({ try? PublicKey(bytes: $0) }),
            let payee = payeeKey.flatMap(Hex.decode).flatMap({ try? PublicKey(bytes: $0) }), let expiry
        else { return nil }
        return ChannelTerms(payer: payer, payee: payee, expiry: UInt32(expiry))
    }

    var taskID: Hash256? { Hex.decode(task).flatMap(Hash256.init(bytes:)) }

    /// The charge paid so far: the best state less the close fee it carries.
    var paidCharge: Amount { Amount(units: max(0, stateAmount - closeFee)) }

    /// Takes the terms of a contract message.
    mutating func adopt(_ terms: ContractTerms) {
        channelTransaction = terms.channel.transaction.description
        channelIndex = Int64(terms.channel.index)
        payerKey = terms.channelTerms.payer.description
        payeeKey = terms.channelTerms.payee.description
        expiry = Int64(terms.channelTerms.expiry)
        funding = terms.funding.units
        storagePrice = terms.rates.storagePerGiBMonth.units
        uploadPrice = terms.rates.uploadPerGiB.units
        downloadPrice = terms.rates.downloadPerGiB.units
        payoutInterval = Int64(terms.payoutIntervalSeconds)
        endsAt = terms.endsAt
        closeFee = terms.closeFee.units
    }

    static func new(
        role: ContractRole,
        task: Hash256,
        peerKey: PublicKey,
        peerAddress: String,
        now: Int64,
        purpose: ContractPurpose = .storage
    ) -> ContractRecord {
        ContractRecord(
            role: role,
            task: task.description,
            peerKey: peerKey.description,
            peerAddress: peerAddress,
            state: .accepted,
            funding: 0,
            storagePrice: 0,
            uploadPrice: 0,
            downloadPrice: 0,
            payoutInterval: 0,
            endsAt: 0,
            closeFee: 0,
            stateAmount: 0,
            lastPaidAt: now,
            heldBytes: 0,
            uploadedBytes: 0,
            downloadedBytes: 0,
            storedByteSeconds: "0",
            meteredUntil: now,
            createdAt: now,
            promisedBytes: 0,
            purpose: purpose
        )
    }
}

/// One part a contract covers.
struct ContractPartRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "contractPart"
    var role: ContractRole
    var task: String
    var peerKey: String
    var hash: String
    var bytes: Int64
}

/// One `zenfs upload` a publisher runs: what it asked, so a second run resumes it.
struct UploadRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "upload"
    var infoHash: String
    var task: String?
    var replicas: Int64
    var maxStoragePrice: Int64
    var maxUploadPrice: Int64
    var maxDownloadPrice: Int64
    var durationSeconds: Int64
    var payoutInterval: Int64
    var budget: Int64?
    var createdAt: Int64
}
