/// One bencoded value (BEP 3): an integer, a byte string, a list, or a dictionary keyed by byte strings.
public indirect enum BencodeValue: Equatable, Sendable {
    case integer(Int64)
    case string([UInt8])
    case list([BencodeValue])
    case dictionary([[UInt8]: BencodeValue])

    /// A byte string holding the UTF-8 of `text`.
    public static func text(_ text: String) -> BencodeValue { .string(Array(text.utf8)) }

    /// A dictionary from text keys.
    public static func dictionary(_ entries: [String: BencodeValue]) -> BencodeValue {
        .dictionary(Dictionary(uniqueKeysWithValues: entries.map { (Array($0.key.utf8), $0.value) }))
    }

    /// The value under `key` when this is a dictionary.
    public subscript(key: String) -> BencodeValue? {
        guard case .dictionary(let entries) = self else { return nil }
        return entries[Array(key.utf8)]
    }

    /// The integer, when this is one.
    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The raw bytes, when this is a string.
    public var bytesValue: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }

    /// The string decoded as strict UTF-8, when this is a string of valid UTF-8.
    public var utf8Value: String? {
        guard case .string(let bytes) = self else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The elements, when this is a list.
    public var listValue: [BencodeValue]? {
        if case .list(let values) = self { return values }
        return nil
    }

    /// The entries, when this is a dictionary.
    public var dictionaryValue: [[UInt8]: BencodeValue]? {
        if case .dictionary(let entries) = self { return entries }
        return nil
    }
}
