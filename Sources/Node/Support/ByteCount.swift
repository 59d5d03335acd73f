import Foundation

/// Human-readable byte counts (binary units) for messages and progress lines, and parsing of sizes users type.
public enum ByteCount {
    private static let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]

    /// `1536` → `1.5 KiB`.
    public static func format(_ bytes: Int64) -> String {
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let rounded = (value * 10).rounded() / 10
        return "\(rounded) \(units[unit])"
    }

    /// Parses `123`, `10K`, `1.5G`, `2GiB`, `500MB` (binary multiples in every case); nil when unreadable.
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let number = Double(digits), number >= 0 else { return nil }
        var suffix = String(trimmed.dropFirst(digits.count)).trimmingCharacters(in: .whitespaces)
        for ending in ["IB", "B"] where suffix.hasSuffix(ending) && suffix.count > ending.count - 1 {
            suffix.removeLast(ending.count)
            break
        }
        let exponent: Int
        switch suffix {
        case "": exponent = 0
        case "K": exponent = 1
        case "M": exponent = 2
        case "G": exponent = 3
        case "T": exponent = 4
        case "P": exponent = 5
        default: return nil
        }
        let value = number * pow(1024, Double(exponent))
        guard value < 9.2e18 else { return nil }
        return Int64(value)
    }
}
