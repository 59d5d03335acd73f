import Chain

/// How a reader answers a holder's download terms: decline a holder dearer than its ceiling, or open a channel
/// funded for a bounded number of bytes at the holder's price (plus the close fee every state carries), paid at
/// the holder's shortest interval or the reader's, whichever is longer. Exact integers, no I/O.
public enum DownloadChannelPlan: Hashable, Sendable {
    case decline(DownloadDeclineReason)
    case open(funding: Amount, payoutIntervalSeconds: Int64)

    /// - Parameters:
    ///   - ceiling: the most the reader pays per GiB downloaded (nil: any price).
    ///   - allowanceBytes: the bytes one channel pays for; a new channel follows when it is spent.
    ///   - payoutIntervalSeconds: the reader's own payout interval.
    public static func decide(
        _ terms: DownloadTerms,
        ceiling: Amount?,
        allowanceBytes: UInt64,
        payoutIntervalSeconds: Int64,
        closeFee: Amount
    ) -> DownloadChannelPlan {
        if let ceiling, terms.downloadPerGiB > ceiling {
            return .decline(.dearerThanCeiling(price: terms.downloadPerGiB, ceiling: ceiling))
        }
        guard allowanceBytes > 0 else { return .decline(.noAllowance) }
        // The allowance's charge, rounded up so its last byte is covered.
        let product = UInt128(allowanceBytes) * UInt128(UInt64(terms.downloadPerGiB.units))
        let gib = UInt128(StorageRates.gibibyte)
        let units = (product + gib - 1) / gib
        guard units + UInt128(UInt64(closeFee.units)) <= UInt128(UInt64(Amount.maximum.units)) else {
            return .decline(.noAllowance)
        }
        let charge = Amount(units: Int64(units))
        let interval = max(Int64(terms.minimumPayoutIntervalSeconds), payoutIntervalSeconds, 1)
        return .open(funding: charge + closeFee, payoutIntervalSeconds: interval)
    }
}

/// Why a reader does not read from a holder.
public enum DownloadDeclineReason: Hashable, Sendable, CustomStringConvertible {
    case dearerThanCeiling(price: Amount, ceiling: Amount)
    case noAllowance

    public var description: String {
        switch self {
        case .dearerThanCeiling(let price, let ceiling):
            "the holder asks \(price) ZEN/GiB for downloads, above this node's max_price_download of \(ceiling) ZEN/GiB"
        case .noAllowance: "this node's download_allowance is 0: it opens no download channels"
        }
    }
}
