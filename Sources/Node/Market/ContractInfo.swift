import Chain
import Market

/// One contract as `zenfs contracts` shows it. Amounts are Zencoin units (and ZEN text); sizes are bytes.
public struct ContractInfo: Codable, Sendable, Equatable {
    public let role: ContractRole
    /// What it pays for: a publisher's storage, or a reader's downloads.
    public let purpose: ContractPurpose
    /// The storage task's id (a reading session's id, for downloads).
    public let task: String
    /// The other side's identity key: the holder on a publisher, the publisher on a seller.
    public let peer: String
    public let state: ContractState
    public let parts: Int
    public let heldBytes: Int64
    public let storagePriceUnits: Int64
    public let uploadPriceUnits: Int64
    public let downloadPriceUnits: Int64
    public let uploadedBytes: Int64
    public let downloadedBytes: Int64
    /// Bytes kept times seconds kept, in decimal (it outgrows 64 bits).
    public let storedByteSeconds: String
    /// The charge of the usage so far at the contract's prices (rounded down once).
    public let chargeUnits: Int64
    /// Paid so far: the best signed state less the close fee it carries.
    public let paidUnits: Int64
    public let paid: String
    public let fundingUnits: Int64
    public let fundsLeftUnits: Int64
    public let channel: String?
    /// The height from which the payer may take the channel back.
    public let expiry: Int64?
    /// When the lease ends (seconds since 1970).
    public let endsAt: Int64
    public let payoutIntervalSeconds: Int64
    public let closeTransaction: String?

    init(_ record: ContractRecord, parts: Int) {
        role = record.role
        purpose = record.purpose
        task = record.task
        peer = record.peerKey
        state = record.state
        self.parts = parts
        heldBytes = record.heldBytes
        storagePriceUnits = record.storagePrice
        uploadPriceUnits = record.uploadPrice
        downloadPriceUnits = record.downloadPrice
        uploadedBytes = record.uploadedBytes
        downloadedBytes = record.downloadedBytes
        storedByteSeconds = record.storedByteSeconds
        chargeUnits = record.rates.charge(for: record.meter.usage).units
        paidUnits = record.paidCharge.units
        paid = record.paidCharge.description
        fundingUnits = record.funding
        fundsLeftUnits = max(0, record.funding - max(record.stateAmount, record.closeFee))
        channel = record.channel?.description
        expiry = record.expiry
        endsAt = record.endsAt
        payoutIntervalSeconds = record.payoutInterval
        closeTransaction = record.closeTransaction
    }
}

/// What the market earned and spent, for `zenfs status`.
public struct MarketTotals: Codable, Sendable, Equatable {
    /// Paid to this node by publishers (best states, less close fees).
    public let incomeUnits: Int64
    /// Paid by this node to holders.
    public let spendingUnits: Int64
    public let sellingContracts: Int
    public let buyingContracts: Int
    /// Bytes kept for publishers, and the room sold in all (0: the node sells nothing).
    public let soldBytes: Int64
    public let roomBytes: Int64
    /// Channel states this node signed, and payment messages it sent, since it started.
    public let statesSigned: Int
    public let paymentMessages: Int
}
