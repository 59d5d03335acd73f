/// A publisher's request for a VM as a seller judges it: an identifier (any stable key, such as the task id), the
/// size asked for, and the rates the publisher will pay.
public struct VMOffer: Hashable, Sendable {
    public var id: String
    public var resources: VMResources
    public var rates: VMRates

    public init(id: String, resources: VMResources, rates: VMRates) {
        self.id = id
        self.resources = resources
        self.rates = rates
    }
}

/// Chooses which VM offers to accept from a set that may not all fit: a greedy approximation of the RFC's
/// combinatorial auction.
///
/// 1. Offers with a rate under the seller's floor, or bigger than what is free, are dropped.
/// 2. Each remaining offer gets a score: its hourly income (cores, memory and disk at its own rates; traffic left
///    out, as it depends on use) divided by its dominant share of the free resources, the largest of
///    cores/free cores, memory/free memory and disk/free disk (in millionths, rounded up). The score is profit
///    per unit of the scarcest free resource it would take.
/// 3. Offers are taken in order of score (ties: larger income, then smaller id), each one only if it still fits in
///    what the offers taken before it left.
///
/// Scores are computed once, against the resources free at the start: the choice is deterministic and costs
/// O(n log n). Everything is integer arithmetic.
public enum VMOfferChooser {
    /// The ids of the offers to accept, in the order they were taken.
    public static func choose(_ offers: [VMOffer], free: VMResources, floor: VMRates) -> [String] {
        let candidates =
            offers
            .filter { $0.rates.meets(floor) && free.fits($0.resources) && $0.resources.cores > 0 }
            .map { (offer: $0, income: $0.rates.hourlyIncome(for: $0.resources)) }
            .map { (offer: $0.offer, income: $0.income, score: score(income: $0.income, of: $0.offer, free: free)) }
            .sorted { a, b in
                if a.score != b.score { return a.score > b.score }
                if a.income != b.income { return a.income > b.income }
                return a.offer.id < b.offer.id
            }
        var left = free
        var taken: [String] = []
        for candidate in candidates where left.fits(candidate.offer.resources) {
            left = left.subtracting(candidate.offer.resources)
            taken.append(candidate.offer.id)
        }
        return taken
    }

    /// Hourly income (over `VMRates.hourlyDenominator`) per millionth of the dominant share.
    static func score(income: UInt128, of offer: VMOffer, free: VMResources) -> UInt128 {
        let share = dominantShareMillionths(of: offer.resources, in: free)
        return income / UInt128(max(share, 1))
    }

    /// The largest of the offer's shares of free cores, memory and disk, in millionths, rounded up.
    static func dominantShareMillionths(of wanted: VMResources, in free: VMResources) -> UInt64 {
        func share(_ part: UInt64, _ whole: UInt64) -> UInt64 {
            guard whole > 0 else { return part == 0 ? 0 : 1_000_000 }
            let scaled = UInt128(part) * 1_000_000
            return UInt64((scaled + UInt128(whole) - 1) / UInt128(whole))
        }
        return max(
            share(UInt64(wanted.cores), UInt64(free.cores)),
            share(wanted.memoryBytes, free.memoryBytes),
            share(wanted.diskBytes, free.diskBytes)
        )
    }
}
