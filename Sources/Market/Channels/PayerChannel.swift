import Chain

/// The payer's side of one one-way channel: what it signed so far and what it signs next for the metered
/// charge. Every state also carries the fee of the payee's closing transaction, so the payee's closing output is
/// exactly the charge.
public struct PayerChannel: Hashable, Sendable {
    public let channel: OutPoint
    public let funding: Amount
    /// The fee the payee's close pays, added to every state.
    public let closeFee: Amount
    /// The amount of the last state signed (zero before the first).
    public private(set) var signedAmount: Amount

    public init(channel: OutPoint, funding: Amount, closeFee: Amount, signedAmount: Amount = Amount(units: 0)) {
        self.channel = channel
        self.funding = funding
        self.closeFee = closeFee
        self.signedAmount = signedAmount
    }

    /// What the payer does at a payout for a charge of `charge` so far, paying `ahead` more in advance.
    public func decide(charge: Amount, ahead: Amount = Amount(units: 0)) -> PaymentDecision {
        let wanted = charge + ahead + closeFee
        let capped = min(wanted, funding)
        guard capped > signedAmount else { return wanted > funding ? .exhausted : .nothingNew }
        return .sign(capped, exhausted: wanted > funding)
    }

    /// Records that the state of `amount` was signed and sent.
    public mutating func signed(_ amount: Amount) { signedAmount = max(signedAmount, amount) }

    /// The charge paid so far (the signed amount less the close fee it carries).
    public var paidCharge: Amount { signedAmount.units > closeFee.units ? signedAmount - closeFee : Amount(units: 0) }

    /// Funds the channel still has for charges.
    public var remaining: Amount { funding - max(signedAmount, closeFee) }
}

/// What the payer does at one payout.
public enum PaymentDecision: Hashable, Sendable {
    /// Sign a state for this amount; `exhausted` when the channel cannot cover all that is owed (top it up).
    case sign(Amount, exhausted: Bool)
    /// The last state already covers the charge.
    case nothingNew
    /// The channel is spent to its last unit: a new one must carry further payments.
    case exhausted
}
