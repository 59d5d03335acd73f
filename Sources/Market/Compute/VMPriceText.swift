import Chain

/// VM prices as people write them on `--price-core-hour`, `--price-memory-gib-hour`, `--price-disk-gib-month`
/// and `--price-traffic-gib`: ZEN with up to eight decimals, optionally followed by the unit (`0.1/core-hour`).
public enum VMPriceText {
    public static let coreHourUnit = "core-hour"
    public static let memoryUnit = "GiB-hour"
    public static let diskUnit = "GiB-month"
    public static let trafficUnit = "GiB"

    /// The four prices read into rates; each text may be nil (then that rate is zero).
    public static func rates(
        coreHour: String?,
        memoryGiBHour: String?,
        diskGiBMonth: String?,
        trafficGiB: String?
    ) throws(VMInputError) -> VMRates {
        VMRates(
            perCoreHour: try read(coreHour, unit: coreHourUnit),
            perMemoryGiBHour: try read(memoryGiBHour, unit: memoryUnit),
            perDiskGiBMonth: try read(diskGiBMonth, unit: diskUnit),
            perTrafficGiB: try read(trafficGiB, unit: trafficUnit)
        )
    }

    static func read(_ text: String?, unit: String) throws(VMInputError) -> Amount {
        guard let text else { return Amount(units: 0) }
        do {
            return try PriceText.parse(text, unit: unit)
        } catch {
            throw .badPrice(text, expectedUnit: unit)
        }
    }
}
