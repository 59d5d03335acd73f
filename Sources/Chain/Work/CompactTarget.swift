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

    /// True when `hash` is at or below this target.
    public func isMet(by hash: Hash256) -> Bool {
        let number = Array(hash.bytes.reversed())
        return !expanded.lexicographicallyPrecedes(number)
    }

    public var description: String { String(bits, radix: 16) }
}
