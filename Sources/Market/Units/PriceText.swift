import Chain

/// Prices as people write them: ZEN with up to eight decimals, optionally followed by the unit they are per
/// (`0.5/GiB-month` for storage, `0.01/GiB` for transfer); the result is in Zencoin units.
public enum PriceText {
    public static let storageUnit = "GiB-month"
    public static let transferUnit = "GiB"

    /// A storage price: Zencoin units per GiB kept for 30 days.
    public static func storage(_ text: String) throws(MarketInputError) -> Amount {
        try parse(text, unit: storageUnit)
    }

    /// A transfer price: Zencoin units per GiB moved.
    public static func transfer(_ text: String) throws(MarketInputError) -> Amount {
        try parse(text, unit: transferUnit)
    }

    static func parse(_ text: String, unit: String) throws(MarketInputError) -> Amount {
        var number = text.trimmingSpaces
        if let slash = number.firstIndex(of: "/") {
            guard number[number.index(after: slash)...] == unit else { throw .badPrice(text, expectedUnit: unit) }
            number = String(number[..<slash])
        }
        guard let amount = Amount(parsing: number) else { throw .badPrice(text, expectedUnit: unit) }
        return amount
    }
}
