import Chain

extension PrivateChecksum {
    /// The length of `encoded`: seed (32) ‖ data length (8) ‖ bits used (2) ‖ expected bits (128).
    public static let encodedLength = seedLength + 8 + 2 + bitCount / 8

    /// The owner's whole state for this checksum, 170 bytes, to keep in its catalog.
    public var encoded: [UInt8] {
        var writer = CanonicalWriter(capacity: Self.encodedLength)
        writer.writeFixed(seed)
        writer.write(dataLength)
        writer.write(UInt16(used))
        writer.writeFixed(expectedBits)
        return writer.bytes
    }

    /// Reads back what `encoded` wrote.
    public init(encoded bytes: [UInt8]) throws(PrivateChecksumError) {
        guard bytes.count == Self.encodedLength else {
            throw .malformedState("\(bytes.count) bytes instead of \(Self.encodedLength)")
        }
        func number(_ range: Range<Int>) -> UInt64 {
            bytes[range].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        let length = number(Self.seedLength..<Self.seedLength + 8)
        let used = Int(number(Self.seedLength + 8..<Self.seedLength + 10))
        guard length >= 4, length <= UInt64.max / 8 else { throw .malformedState("a data length of \(length) bytes") }
        guard used <= Self.bitCount else { throw .malformedState("\(used) bits used of 1,024") }
        self.init(
            seed: Array(bytes[0..<Self.seedLength]),
            dataLength: length,
            expectedBits: Array(bytes[(Self.seedLength + 10)...]),
            used: used
        )
    }
}
