/// Why a byte sequence is not canonical bencode, and the byte offset where the decoder found out.
public struct BencodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the input.
    public enum Reason: Equatable, Sendable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case nonCanonicalInteger
        case integerOutOfRange
        case stringTooLong(length: Int, limit: Int)
        case nestingTooDeep(limit: Int)
        case tooManyItems(limit: Int)
        case keysNotSorted
        case duplicateKey
        case trailingBytes(count: Int)
        case inputTooLarge(length: Int, limit: Int)
    }

    /// What is wrong.
    public let reason: Reason
    /// The offset of the first byte that shows it, from the start of the input.
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "the input ends inside a value"
        case .unexpectedByte(let byte):
            let shown =
                (0x20..<0x7f).contains(byte) ? "'\(Character(UnicodeScalar(byte)))'" : "0x\(String(byte, radix: 16))"
            what = "unexpected byte \(shown)"
        case .nonCanonicalInteger: what = "integer is not canonical (leading zero, '-0', or empty)"
        case .integerOutOfRange: what = "integer does not fit in 64 bits"
        case .stringTooLong(let length, let limit): what = "string of \(length) bytes exceeds the limit of \(limit)"
        case .nestingTooDeep(let limit): what = "lists and dictionaries nest deeper than \(limit)"
        case .tooManyItems(let limit): what = "more than \(limit) values in the input"
        case .keysNotSorted: what = "dictionary keys are not in sorted order"
        case .duplicateKey: what = "dictionary key appears twice"
        case .trailingBytes(let count): what = "\(count) bytes follow the value"
        case .inputTooLarge(let length, let limit): what = "input of \(length) bytes exceeds the limit of \(limit)"
        }
        return "bencode: \(what) at byte \(offset)"
    }
}
