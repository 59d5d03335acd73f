import Chain
import Market

/// What a node sells and how it pays (the `[market]` settings): its room and floors as a seller, how late a
/// payer may be, the stricter work it demands and gives.
public struct MarketSettings: Sendable {
    /// The seller's policy; nil: the node sells no storage.
    public var selling: SellingPolicy?
    /// Work (compact target) the node puts on its acceptances, stricter than the network's; nil: the network's.
    public var acceptanceBits: UInt32?
    /// Seconds past a payout interval before a payee stops serving a late payer, and a payer stops paying a
    /// silent holder.
    public var graceSeconds: Int64 = 10
    /// The most this node pays holders per GiB downloaded (`--max-price-download`).
    public var maximumDownloadPrice: Amount?

    public init() {}
}
