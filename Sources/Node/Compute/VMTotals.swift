/// The VM market as `zenfs status` shows it: VMs run for publishers and rented from nodes, and what they earned
/// and cost (best states, less close fees).
public struct VMTotals: Codable, Sendable, Equatable {
    public let running: Int
    public let renting: Int
    public let incomeUnits: Int64
    public let spendingUnits: Int64
}

extension ComputeMarket {
    func totals() -> VMTotals {
        let all = book.all
        let sold = all.filter { $0.role == .seller }
        let bought = all.filter { $0.role == .publisher && !$0.peerKey.isEmpty }
        return VMTotals(
            running: sold.filter { $0.state == .running }.count,
            renting: bought.filter { $0.state == .running }.count,
            incomeUnits: sold.reduce(0) { $0 + $1.paidUnits },
            spendingUnits: bought.reduce(0) { $0 + $1.paidUnits }
        )
    }
}
