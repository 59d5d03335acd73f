import Chain

/// Bills a VM lease interval by interval: each bill is the charge for the running usage less what was already
/// billed, so the rounding happens once on the total and the remainder is carried to the next interval.
public struct VMBilling: Hashable, Sendable {
    public let rates: VMRates
    /// The sum of every bill so far.
    public private(set) var billed: Amount = Amount(units: 0)

    public init(rates: VMRates, alreadyBilled: Amount = Amount(units: 0)) {
        self.rates = rates
        billed = alreadyBilled
    }

    /// What is due for the interval that ends with the running total `usage` (never negative: usage only grows).
    public mutating func bill(runningUsage usage: VMUsage) -> Amount {
        let total = rates.charge(for: usage)
        guard total > billed else { return Amount(units: 0) }
        let due = total - billed
        billed = total
        return due
    }
}
