/// Why a size, price or duration written by a person could not be read.
public enum MarketInputError: Error, Equatable, Sendable, CustomStringConvertible {
    case badSize(String)
    case badPrice(String, expectedUnit: String)
    case badDuration(String)

    public var description: String {
        switch self {
        case .badSize(let text):
            "'\(text)' is not a size: write a whole number with an optional binary suffix (B, KiB, MiB, GiB, TiB; K, M, G, T mean the same), such as 20GiB"
        case .badPrice(let text, let unit):
            "'\(text)' is not a price: write ZEN with up to 8 decimals, optionally followed by /\(unit), such as 0.5/\(unit)"
        case .badDuration(let text):
            "'\(text)' is not a duration: write a whole number followed by s, m, h or d (such as 60s or 30d); a payout interval may be negative"
        }
    }
}
