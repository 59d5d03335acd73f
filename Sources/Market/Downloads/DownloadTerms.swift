import Chain

/// What a holder asks of a reader before it serves a part it keeps for a publisher: its download price, the key
/// channel payments are locked to, and the shortest payout interval it takes. Sent in answer to a request for a
/// paid part from a peer that has no channel with it.
public struct DownloadTerms: Hashable, Sendable {
    public var payee: PublicKey
    /// Units per GiB served.
    public var downloadPerGiB: Amount
    public var minimumPayoutIntervalSeconds: Int32

    public init(payee: PublicKey, downloadPerGiB: Amount, minimumPayoutIntervalSeconds: Int32) {
        self.payee = payee
        self.downloadPerGiB = downloadPerGiB
        self.minimumPayoutIntervalSeconds = minimumPayoutIntervalSeconds
    }
}
