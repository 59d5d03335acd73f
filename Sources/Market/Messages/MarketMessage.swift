import Chain
import ZenFS

/// A seller's request to join a publisher's circuit for one storage task, sent after its acceptance is
/// announced; the connection's handshake already proved the identity that accepted.
public struct JoinRequest: Hashable, Sendable {
    /// The id of the task announcement.
    public var task: Hash256
    /// The id of the seller's acceptance announcement.
    public var acceptance: Hash256
    /// The key channel payments are locked to.
    public var payee: PublicKey
    /// The seller's asking prices (at most the offer's).
    public var rates: StorageRates
    /// The bytes it takes for this task.
    public var roomBytes: UInt64
    /// The longest lease it signs, in seconds.
    public var leaseSeconds: Int64

    public init(
        task: Hash256,
        acceptance: Hash256,
        payee: PublicKey,
        rates: StorageRates,
        roomBytes: UInt64,
        leaseSeconds: Int64
    ) {
        self.task = task
        self.acceptance = acceptance
        self.payee = payee
        self.rates = rates
        self.roomBytes = roomBytes
        self.leaseSeconds = leaseSeconds
    }
}

/// A publisher's contract with one holder: the funded channel that pays it and the terms payments follow.
public struct ContractTerms: Hashable, Sendable {
    public var task: Hash256
    /// The channel's output, funded by the publisher and payable to the join's payee.
    public var channel: OutPoint
    public var channelTerms: ChannelTerms
    public var funding: Amount
    public var rates: StorageRates
    /// Seconds between payouts; negative: paid one interval ahead.
    public var payoutIntervalSeconds: Int32
    /// When the contract ends (seconds since 1970): storage is charged until then.
    public var endsAt: Int64
    /// The fee every state carries for the payee's close.
    public var closeFee: Amount

    public init(
        task: Hash256,
        channel: OutPoint,
        channelTerms: ChannelTerms,
        funding: Amount,
        rates: StorageRates,
        payoutIntervalSeconds: Int32,
        endsAt: Int64,
        closeFee: Amount
    ) {
        self.task = task
        self.channel = channel
        self.channelTerms = channelTerms
        self.funding = funding
        self.rates = rates
        self.payoutIntervalSeconds = payoutIntervalSeconds
        self.endsAt = endsAt
        self.closeFee = closeFee
    }
}

/// Every market message between a publisher and the holders of its circuit, and between a reader and the
/// holders it reads from (carried in the peer protocol's market frames).
public enum MarketMessage: Hashable, Sendable {
    case join(JoinRequest)
    /// The publisher turns a join down.
    case joinRefused(task: Hash256, reason: String)
    case contract(ContractTerms)
    /// A part to keep under the contract of `task`.
    case store(requestID: UInt32, task: Hash256, hash: SHA1Digest, bytes: [UInt8])
    case stored(requestID: UInt32)
    case storeRefused(requestID: UInt32, reason: String)
    /// A channel state: the payee may take `amount` of the channel.
    case payment(task: Hash256, channel: OutPoint, amount: Amount, signature: Signature)
    case paymentAccepted(task: Hash256, amount: Amount)
    case paymentRefused(task: Hash256, reason: String)
    /// The contract is over (the last state was sent): the holder closes the channel and may drop the parts.
    case end(task: Hash256)
    /// A holder's price for reading the parts it keeps for publishers (to a peer that has no channel with it).
    case downloadTerms(DownloadTerms)
    /// A reader's funded channel paying a holder for downloads; `task` names the reading session.
    case downloadContract(ContractTerms)
    /// A reader will not pay the holder's terms (a holder stops holding its requests).
    case downloadDeclined(reason: String)
}
