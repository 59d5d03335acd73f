/// Why canonical bytes could not be decoded; `offset` is where the reader stood.
public enum CanonicalDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int)
    case nonMinimalVarInt(offset: Int)
    case lengthTooLarge(offset: Int, length: UInt64, limit: Int)
    case invalidBool(offset: Int, value: UInt8)
    case invalidUTF8(offset: Int)
    case trailingBytes(offset: Int, count: Int)
    case invalidValue(offset: Int, reason: String)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed): "truncated at byte \(offset): \(needed) more bytes expected"
        case .nonMinimalVarInt(let offset): "byte \(offset): integer not in its shortest form"
        case .lengthTooLarge(let offset, let length, let limit):
            "byte \(offset): length \(length) exceeds the limit of \(limit)"
        case .invalidBool(let offset, let value): "byte \(offset): \(value) is not a boolean (0 or 1)"
        case .invalidUTF8(let offset): "byte \(offset): text is not valid UTF-8"
        case .trailingBytes(let offset, let count): "\(count) unexpected bytes after the value, from byte \(offset)"
        case .invalidValue(let offset, let reason): "byte \(offset): \(reason)"
        }
    }
}

/// Reads the canonical binary encoding written by `CanonicalWriter`, rejecting every non-canonical form.
public struct CanonicalReader {
    private let bytes: [UInt8]
    /// The index of the next byte to read.
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Bytes not read yet.
    public var remaining: Int { bytes.count - offset }

    public mutating func readUInt8() throws(CanonicalDecodingError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readBool() throws(CanonicalDecodingError) -> Bool {
        let start = offset
        let value = try readUInt8()
        guard value <= 1 else { throw .invalidBool(offset: start, value: value) }
        return value == 1
    }

    public mutating func readUInt16() throws(CanonicalDecodingError) -> UInt16 {
        UInt16(try readLittleEndian(byteCount: 2))
    }

    public mutating func readUInt32() throws(CanonicalDecodingError) -> UInt32 {
        UInt32(try readLittleEndian(byteCount: 4))
    }

    public mutating func readUInt64() throws(CanonicalDecodingError) -> UInt64 { try readLittleEndian(byteCount: 8) }

    public mutating func readInt64() throws(CanonicalDecodingError) -> Int64 {
        Int64(bitPattern: try readLittleEndian(byteCount: 8))
    }

    /// Reads a variable-length integer and rejects any longer-than-needed form.
    public mutating func readVarInt() throws(CanonicalDecodingError) -> UInt64 {
        let start = offset
        let prefix = try readUInt8()
        let (value, minimum): (UInt64, UInt64)
        switch prefix {
        case 0xfd: (value, minimum) = (try readLittleEndian(byteCount: 2), 0xfd)
        case 0xfe: (value, minimum) = (try readLittleEndian(byteCount: 4), 0x1_0000)
        case 0xff: (value, minimum) = (try readLittleEndian(byteCount: 8), 0x1_0000_0000)
        default: return UInt64(prefix)
        }
        guard value >= minimum else { throw .nonMinimalVarInt(offset: start) }
        return value
    }

    /// Reads exactly `count` bytes.
    public mutating func readFixed(_ count: Int) throws(CanonicalDecodingError) -> [UInt8] {
        try need(count)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a length-prefixed byte string, checking the length against `limit` before reading it.
    public mutating func readBytes(limit: Int) throws(CanonicalDecodingError) -> [UInt8] {
        let count = try readCount(limit: limit)
        return try readFixed(count)
    }

    /// Reads a length-prefixed UTF-8 string of at most `limit` bytes.
    public mutating func readString(limit: Int) throws(CanonicalDecodingError) -> String {
        let start = offset
        let raw = try readBytes(limit: limit)
        guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
        return text
    }

    /// Reads an element count (of a list) and checks it against `limit`.
    public mutating func readCount(limit: Int) throws(CanonicalDecodingError) -> Int {
        let start = offset
        let count = try readVarInt()
        guard count <= UInt64(limit) else { throw .lengthTooLarge(offset: start, length: count, limit: limit) }
        return Int(count)
    }

    /// Fails unless every byte was read.
    public func finish() throws(CanonicalDecodingError) {
        guard remaining == 0 else { throw .trailingBytes(offset: offset, count: remaining) }
    }

    private func need(_ count: Int) throws(CanonicalDecodingError) {
        guard count <= remaining else { throw .truncated(offset: offset, needed: count - remaining) }
    }

    private mutating func readLittleEndian(byteCount: Int) throws(CanonicalDecodingError) -> UInt64 {
        try need(byteCount)
        var value: UInt64 = 0
        for index in 0..<byteCount { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += byteCount
        return value
    }
}
