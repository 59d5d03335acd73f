import Foundation

/// A query string read the way HTML forms write it (`application/x-www-form-urlencoded`): `+` is a space and
/// `%2B` a plus. The search form in every page's header is a GET form, so its words arrive joined by `+`.
struct FormQuery {
    private var values: [String: String] = [:]

    init(_ query: String?) {
        for pair in (query ?? "").split(separator: "&").prefix(64) {
            let sides = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = sides.first else { continue }
            let name = Self.decode(rawName)
            let value = sides.count > 1 ? Self.decode(sides[1]) : ""
            if values[name] == nil { values[name] = value }
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
