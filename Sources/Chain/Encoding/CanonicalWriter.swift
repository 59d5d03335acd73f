/// Builds the canonical binary encoding shared by chain objects and peer messages: little-endian fixed-width
/// integers, Bitcoin-style variable-length integers (always the shortest form) and length-prefixed bytes.
public struct CanonicalWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// Starts an empty encoding, reserving room for `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func write(_ value: UInt16) { writeLittleEndian(UInt64(value), byteCount: 2) }

    public mutating func write(_ value: UInt32) { writeLittleEndian(UInt64(value), byteCount: 4) }

    public mutating func write(_ value: UInt64) { writeLittleEndian(value, byteCount: 8) }

    public mutating func write(_ value: Int64) { writeLittleEndian(UInt64(bitPattern: value), byteCount: 8) }

    /// Writes a variable-length integer in its shortest form (1, 3, 5 or 9 bytes).
    public mutating func writeVarInt(_ value: UInt64) {
        switch value {
        case ..<0xfd: bytes.append(UInt8(value))
        case ...0xffff:
            bytes.append(0xfd)
            writeLittleEndian(value, byteCount: 2)
        case ...0xffff_ffff:
            bytes.append(0xfe)
            writeLittleEndian(value, byteCount: 4)
        default:
            bytes.append(0xff)
            writeLittleEndian(value, byteCount: 8)
        }
    }

    /// Writes bytes whose length the reader already knows (hashes, keys).
    public mutating func writeFixed<Bytes: Sequence<UInt8>>(_ value: Bytes) { bytes.append(contentsOf: value) }

    /// Writes a length (as a variable-length integer) followed by the bytes.
    public mutating func writeBytes<Bytes: Collection<UInt8>>(_ value: Bytes) {
        writeVarInt(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Writes a UTF-8 string as length-prefixed bytes.
    public mutating func writeString(_ value: String) { writeBytes(Array(value.utf8)) }

    private mutating func writeLittleEndian(_ value: UInt64, byteCount: Int) {
        for index in 0..<byteCount { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }
}
