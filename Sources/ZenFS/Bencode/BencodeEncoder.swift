/// The canonical bencode encoder: dictionary keys in byte order, integers without leading zeros.
public enum BencodeEncoder {
    /// The canonical bytes of `value`.
    public static func encode(_ value: BencodeValue) -> [UInt8] {
        var output: [UInt8] = []
        append(value, to: &output)
        return output
    }

    /// Appends the canonical bytes of `value` to `output`.
    public static func append(_ value: BencodeValue, to output: inout [UInt8]) {
        switch value {
        case .integer(let number):
            output.append(UInt8(ascii: "i"))
            output.append(contentsOf: String(number).utf8)
            output.append(UInt8(ascii: "e"))
        case .string(let bytes):
            output.append(contentsOf: String(bytes.count).utf8)
            output.append(UInt8(ascii: ":"))
            output.append(contentsOf: bytes)
        case .list(let values):
            output.append(UInt8(ascii: "l"))
            for element in values { append(element, to: &output) }
            output.append(UInt8(ascii: "e"))
        case .dictionary(let entries):
            output.append(UInt8(ascii: "d"))
            for key in entries.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                append(.string(key), to: &output)
                append(entries[key]!, to: &output)
            }
            output.append(UInt8(ascii: "e"))
        }
    }
}
