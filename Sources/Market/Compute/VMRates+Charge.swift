import Chain

extension VMRates {
    /// The four charges' denominators: core-nanoseconds per core-hour, byte-seconds per GiB-hour, byte-seconds
    /// per GiB-month, bytes per GiB.
    static let denominators: [UInt128] = [
        UInt128(secondsPerHour) * UInt128(nanosecondsPerSecond),
        UInt128(gibibyte) * UInt128(secondsPerHour),
        UInt128(gibibyte) * UInt128(secondsPerMonth),
        UInt128(gibibyte),
    ]
    /// Their least common multiple (2^38 · 3^4 · 5^11): every part of a charge is an exact fraction over it.
    static let commonDenominator: UInt128 = denominators.reduce(1) { $0 / greatestCommonDivisor($0, $1) * $1 }

    /// The exact charge for `usage`: the sum of its four parts as fractions of units over one common
    /// denominator, rounded down once. Bill a lease by charging its running total and paying the difference from
    /// what was already paid (`VMBilling`): the remainder is then carried and the payments add up to the unit.
    /// A charge past the coin supply saturates at `Amount.maximum`.
    public func charge(for usage: VMUsage) -> Amount {
        let numerators: [UInt128] = [
            UInt128(usage.cpuNanoseconds), usage.memoryByteSeconds, usage.diskByteSeconds,
            UInt128(usage.trafficBytes),
        ]
        let rates = [perCoreHour, perMemoryGiBHour, perDiskGiBMonth, perTrafficGiB].map { UInt128(max(0, $0.units)) }
        var total: UInt128 = 0
        for index in 0..<4 {
            let scale = Self.commonDenominator / Self.denominators[index]
            let byRate = numerators[index].multipliedReportingOverflow(by: rates[index])
            let scaled = byRate.partialValue.multipliedReportingOverflow(by: scale)
            let sum = total.addingReportingOverflow(scaled.partialValue)
            guard !byRate.overflow, !scaled.overflow, !sum.overflow else { return Amount.maximum }
            total = sum.partialValue
        }
        let units = total / Self.commonDenominator
        return units >= UInt128(Amount.maximum.units) ? Amount.maximum : Amount(units: Int64(units))
    }

    /// The income per hour of a lease of `resources` at these rates, traffic left out (it depends on use), as a
    /// fraction of units over `hourlyDenominator`; used to rank offers, never to bill.
    public func hourlyIncome(for resources: VMResources) -> UInt128 {
        let gib = UInt128(Self.gibibyte)
        let hoursPerMonth = UInt128(Self.secondsPerMonth / Self.secondsPerHour)
        let cores = UInt128(resources.cores) * UInt128(max(0, perCoreHour.units)) * gib * hoursPerMonth
        let memory = UInt128(resources.memoryBytes) * UInt128(max(0, perMemoryGiBHour.units)) * hoursPerMonth
        let disk = UInt128(resources.diskBytes) * UInt128(max(0, perDiskGiBMonth.units))
        return cores + memory + disk
    }

    /// The denominator of `hourlyIncome(for:)`: GiB × hours per month.
    public static let hourlyDenominator = UInt128(gibibyte) * UInt128(secondsPerMonth / secondsPerHour)
}

func greatestCommonDivisor(_ a: UInt128, _ b: UInt128) -> UInt128 {
    var (a, b) = (a, b)
    // Euclid's algorithm ends in at most ~185 steps for 128-bit values.
    while b != 0 { (a, b) = (b, a % b) }
    return a
}
