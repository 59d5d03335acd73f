/// Why a VM size or price written by a person could not be read.
public enum VMInputError: Error, Equatable, Sendable, CustomStringConvertible {
    case badResources(String)
    case badPrice(String, expectedUnit: String)

    public var description: String {
        switch self {
        case .badResources(let text):
            "'\(text)' is not a VM size: write cores=N,memory=SIZE and optionally disk=SIZE, such as cores=2,memory=2GiB,disk=10GiB"
        case .badPrice(let text, let unit):
            "'\(text)' is not a price: write ZEN with up to 8 decimals, optionally followed by /\(unit), such as 0.1/\(unit)"
        }
    }
}
