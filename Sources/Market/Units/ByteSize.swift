/// Sizes as people write them: a whole number with an optional binary suffix (`20GiB`, `512M`, `4096`).
public enum ByteSize {
    static let suffixes: [(String, UInt64)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
        ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1),
    ]

    /// The number of bytes `text` names.
    public static func parse(_ text: String) throws(MarketInputError) -> UInt64 {
        let trimmed = text.trimmingSpaces
        var number = Substring(trimmed)
        var multiplier: UInt64 = 1
        for (suffix, value) in suffixes where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            multiplier = value
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let count = UInt64(number) else {
            throw .badSize(text)
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw .badSize(text) }
        return bytes
    }

    /// `bytes` with the largest binary suffix that divides it, or in GiB with two decimals (display only).
    public static func describe(_ bytes: UInt64) -> String {
        for (suffix, value) in suffixes.prefix(4) where bytes >= value && bytes % value == 0 {
            return "\(bytes / value)\(suffix)"
        }
        return "\(bytes)B"
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
