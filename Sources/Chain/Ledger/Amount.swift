/// An amount of Zencoin in its smallest unit (10⁻⁸ ZEN); written with up to eight decimals.
public struct Amount: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Units in one Zencoin.
    public static let unitsPerCoin: Int64 = 100_000_000
    /// The most that can ever exist: no sum of amounts may exceed it.
    public static let maximum = Amount(units: 21_000_000 * unitsPerCoin)

    public let units: Int64

    public init(units: Int64) { self.units = units }

    public static func coins(_ coins: Int64) -> Amount { Amount(units: coins * unitsPerCoin) }

    /// Parses `12`, `0.5` or `1.23456789`; nil for negatives, more than eight decimals or more than the maximum.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCII),
            let whole = Int64(parts[0]), whole >= 0
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...8).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int64(digits)
            else { return nil }
            fraction = value * Int64(Self.power(8 - digits.count))
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: Self.unitsPerCoin)
        guard !overflow, scaled + fraction <= Self.maximum.units else { return nil }
        self.units = scaled + fraction
    }

    private static func power(_ exponent: Int) -> Int { (0..<exponent).reduce(1) { value, _ in value * 10 } }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.units < rhs.units }

    public static func + (lhs: Amount, rhs: Amount) -> Amount { Amount(units: lhs.units + rhs.units) }

    public static func - (lhs: Amount, rhs: Amount) -> Amount { Amount(units: lhs.units - rhs.units) }

    /// Eight decimals, always: `1.50000000`.
    public var description: String {
        let sign = units < 0 ? "-" : ""
        let magnitude = units.magnitude
        let fraction = String(magnitude % UInt64(Self.unitsPerCoin))
        return "\(sign)\(magnitude / UInt64(Self.unitsPerCoin))." + String(repeating: "0", count: 8 - fraction.count)
            + fraction
    }
}
