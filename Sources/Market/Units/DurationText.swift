/// Durations as people write them: a whole number with `s`, `m`, `h` or `d` (`60s`, `30d`); a bare number is
/// seconds. Payout intervals may be negative (`-60s`: paid one interval ahead).
public enum DurationText {
    /// The number of seconds `text` names.
    public static func seconds(_ text: String, allowNegative: Bool = false) throws(MarketInputError) -> Int64 {
        var body = Substring(text.trimmingSpaces)
        var sign: Int64 = 1
        if body.first == "-" {
            guard allowNegative else { throw .badDuration(text) }
            sign = -1
            body = body.dropFirst()
        }
        var multiplier: Int64 = 1
        if let last = body.last, !last.isNumber {
            switch last {
            case "s": multiplier = 1
            case "m": multiplier = 60
            case "h": multiplier = 3600
            case "d": multiplier = 86400
            default: throw .badDuration(text)
            }
            body = body.dropLast()
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int64(body) else {
            throw .badDuration(text)
        }
        let (value, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow, value <= Int64(Int32.max) else { throw .badDuration(text) }
        return sign * value
    }
}
