import Chain

/// The payee's side of one one-way channel: the best state the payer signed, checked before it is kept, and when
/// the payer counts as late. Time comes in as seconds; nothing here does I/O.
public struct PayeeChannel: Hashable, Sendable {
    public let channel: OutPoint
    public let terms: ChannelTerms
    public let funding: Amount
    /// The highest amount the payer signed, and its signature; nil before the first state.
    public private(set) var latestAmount: Amount
    public private(set) var latestSignature: Signature?
    /// When the last acceptable state came (or the channel opened).
    public private(set) var lastPaidAt: Int64

    public init(
        channel: OutPoint,
        terms: ChannelTerms,
        funding: Amount,
        openedAt: Int64,
        latestAmount: Amount = Amount(units: 0),
        latestSignature: Signature? = nil
    ) {
        self.channel = channel
        self.terms = terms
        self.funding = funding
        self.latestAmount = latestAmount
        self.latestSignature = latestSignature
        lastPaidAt = openedAt
    }

    /// Checks a new state (signature, strictly higher than the last, within the funds) and keeps it.
    public mutating func receive(amount: Amount, signature: Signature, now: Int64) throws(ChannelStateError) {
        guard amount.units >= 0, amount <= funding else { throw .overFunded(amount, funding: funding) }
        guard terms.verifiesState(signature, channel: channel, payeeAmount: amount) else { throw .forged }
        if latestSignature != nil {
            guard amount != latestAmount else { throw .replayed(amount) }
            guard amount > latestAmount else { throw .lowered(amount, latest: latestAmount) }
        }
        latestAmount = amount
        latestSignature = signature
        lastPaidAt = now
    }

}

/// When a payer fell behind. A payee meters its own service, so it knows what it was owed at each moment; payment
/// follows service by one payout interval, so the payer owes at `now` what was owed one interval earlier. It
/// counts as late once its best state has stayed below that (less `slack` units for rounding and the two meters'
/// skew) for longer than the grace. A payer whose charge did not grow owes no new state, so quiet intervals are
/// never late.
public struct PaymentWatch: Hashable, Sendable {
    /// The payout interval's length in seconds (its sign does not matter here).
    public let intervalSeconds: Int64
    public let slack: Amount
    /// What was owed when, oldest first; only one interval and a little is kept.
    private var samples: [Sample] = []
    /// Since when the best state has not covered what is owed; nil while it does.
    public private(set) var dueSince: Int64?

    struct Sample: Hashable, Sendable {
        let time: Int64
        let owed: Amount
    }

    public init(intervalSeconds: Int64, slack: Amount) {
        self.intervalSeconds = abs(intervalSeconds)
        self.slack = slack
    }

    /// Records what is owed at `now` and compares the best state (`paid`, in the same terms) with what was owed
    /// one interval ago.
    public mutating func observe(paid: Amount, owed: Amount, now: Int64) {
        samples.append(Sample(time: now, owed: owed))
        let cutoff = now - intervalSeconds
        // Keep the newest sample at or before the cutoff, and everything after it.
        if let keep = samples.lastIndex(where: { $0.time <= cutoff }) { samples.removeFirst(keep) }
        let due = samples.first.flatMap { $0.time <= cutoff ? $0.owed : nil } ?? Amount(units: 0)
        if paid + slack >= due {
            dueSince = nil
        } else if dueSince == nil {
            dueSince = now
        }
    }

    /// Whether payment has been due for more than `graceSeconds`.
    public func isLate(now: Int64, graceSeconds: Int64) -> Bool {
        guard let dueSince else { return false }
        return now - dueSince > graceSeconds
    }
}
