/// A proof-of-work target in Bitcoin's compact form ("bits"): a hash meets it when the hash, read as a
/// little-endian 256-bit number, is at most the target.
public struct CompactTarget: Hashable, Sendable, CustomStringConvertible {
    /// The compact encoding: exponent in the top byte, 23-bit mantissa below.
    public let bits: UInt32
    /// The expanded target, 32 bytes big-endian.
    public let expanded: [UInt8]

    /// Expands `bits`; nil for a negative mantissa, a zero target or one that overflows 256 bits.
    public init?(bits: UInt32) {
        let exponent = Int(bits >> 24)
        let mantissa = bits & 0x007f_ffff
        guard bits & 0x0080_0000 == 0, mantissa != 0 else { return nil }
        var value = [UInt8](repeating: 0, count: 32)
        let mantissaBytes = [UInt8(mantissa >> 16 & 0xff), UInt8(mantissa >> 8 & 0xff), UInt8(mantissa & 0xff)]
        for (index, byte) in mantissaBytes.enumerated() {
            // The mantissa's most significant byte sits at 256^(exponent - 1).
            let power = exponent - 1 - index
            if power < 0 { continue }
            guard power < 32 else {
                if byte != 0 { return nil }
                continue
            }
            value[31 - power] = byte
        }
        guard value.contains(where: { $0 != 0 }) else { return nil }
        self.bits = bits
        self.expanded = value
    }

    /// The target as a number.
    public var value: UInt256 { UInt256(bigEndian: expanded) }

    /// The expected number of hashes to meet this target: 2^256 / (target + 1), Bitcoin's "chain work".
    public var work: UInt256 {
        let target = value
        return (~target) / (target + UInt256(1)) + UInt256(1)
    }

    /// The compact form of `value` (rounded down to its three most significant bytes).
    public static func compact(for value: UInt256) -> CompactTarget? {
        let bytes = value.bigEndianBytes
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return nil }
        var size = 32 - first
        var mantissa = UInt32(bytes[first]) << 16
        if first + 1 < 32 { mantissa |= UInt32(bytes[first + 1]) << 8 }
        if first + 2 < 32 { mantissa |= UInt32(bytes[first + 2]) }
        if mantissa & 0x0080_0000 != 0 {
            mantissa >>= 8
            size += 1
        }
        return CompactTarget(bits: UInt32(size) << 24 | mantissa)
    }

    /// True when `hash` is at or below this target.
    public func isMet(by hash: Hash256) -> Bool {
        let number = Array(hash.bytes.reversed())
        return !expanded.lexicographicallyPrecedes(number)
    }

    public var description: String { String(bits, radix: 16) }
}
