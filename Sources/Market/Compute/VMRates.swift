import Chain

/// What a VM host charges, in Zencoin units: per core for an hour, per GiB (2^30 bytes) of memory reserved for an
/// hour, per GiB of disk kept for a month (30 days), and per GiB of traffic through the tunnel.
public struct VMRates: Hashable, Sendable, Codable {
    public static let gibibyte: UInt64 = 1 << 30
    public static let secondsPerHour: UInt64 = 3_600
    /// Seconds in the month disk prices are quoted per (30 days, as for storage).
    public static let secondsPerMonth: UInt64 = 30 * 86_400
    public static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    public var perCoreHour: Amount
    public var perMemoryGiBHour: Amount
    public var perDiskGiBMonth: Amount
    public var perTrafficGiB: Amount

    public init(perCoreHour: Amount, perMemoryGiBHour: Amount, perDiskGiBMonth: Amount, perTrafficGiB: Amount) {
        self.perCoreHour = perCoreHour
        self.perMemoryGiBHour = perMemoryGiBHour
        self.perDiskGiBMonth = perDiskGiBMonth
        self.perTrafficGiB = perTrafficGiB
    }

    public static let free = VMRates(
        perCoreHour: Amount(units: 0),
        perMemoryGiBHour: Amount(units: 0),
        perDiskGiBMonth: Amount(units: 0),
        perTrafficGiB: Amount(units: 0)
    )

    /// Whether every rate is at least the matching one of `floor` (a seller's minimum).
    public func meets(_ floor: VMRates) -> Bool {
        perCoreHour >= floor.perCoreHour && perMemoryGiBHour >= floor.perMemoryGiBHour
            && perDiskGiBMonth >= floor.perDiskGiBMonth && perTrafficGiB >= floor.perTrafficGiB
    }
}
