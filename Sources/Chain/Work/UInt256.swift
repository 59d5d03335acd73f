/// An unsigned 256-bit integer, enough arithmetic for targets and cumulative chain work.
public struct UInt256: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Four 64-bit words, least significant first.
    public private(set) var words: [UInt64]

    public static let zero = UInt256(words: [0, 0, 0, 0])
    public static let max = UInt256(words: [.max, .max, .max, .max])

    public init(_ value: UInt64) { words = [value, 0, 0, 0] }

    init(words: [UInt64]) { self.words = words }

    /// Reads 32 bytes, most significant first.
    public init(bigEndian bytes: [UInt8]) {
        precondition(bytes.count == 32)
        var words = [UInt64](repeating: 0, count: 4)
        for (index, byte) in bytes.enumerated() {
            let position = 31 - index
            words[position / 8] |= UInt64(byte) << (8 * UInt64(position % 8))
        }
        self.words = words
    }

    /// 32 bytes, most significant first.
    public var bigEndianBytes: [UInt8] {
        (0..<32).map { index in
            let position = 31 - index
            return UInt8(truncatingIfNeeded: words[position / 8] >> (8 * UInt64(position % 8)))
        }
    }

    public static func < (lhs: UInt256, rhs: UInt256) -> Bool {
        for index in stride(from: 3, through: 0, by: -1) where lhs.words[index] != rhs.words[index] {
            return lhs.words[index] < rhs.words[index]
        }
        return false
    }

    /// The sum, saturating at `max`.
    public static func + (lhs: UInt256, rhs: UInt256) -> UInt256 {
        var result = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        for index in 0..<4 {
            let (partial, overflow1) = lhs.words[index].addingReportingOverflow(rhs.words[index])
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            result[index] = sum
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return carry == 0 ? UInt256(words: result) : .max
    }

    /// The difference; `lhs` must be at least `rhs`.
    public static func - (lhs: UInt256, rhs: UInt256) -> UInt256 {
        var result = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for index in 0..<4 {
            let (partial, overflow1) = lhs.words[index].subtractingReportingOverflow(rhs.words[index])
            let (difference, overflow2) = partial.subtractingReportingOverflow(borrow)
            result[index] = difference
            borrow = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return UInt256(words: result)
    }

    /// Bitwise complement.
    public static prefix func ~ (value: UInt256) -> UInt256 { UInt256(words: value.words.map { ~$0 }) }

    func bit(_ index: Int) -> Bool { words[index / 64] >> UInt64(index % 64) & 1 == 1 }

    mutating func setBit(_ index: Int) { words[index / 64] |= 1 << UInt64(index % 64) }

    func shiftedLeftByOne() -> UInt256 {
        var result = [UInt64](repeating: 0, count: 4)
        for index in 0..<4 {
            result[index] = words[index] << 1 | (index > 0 ? words[index - 1] >> 63 : 0)
        }
        return UInt256(words: result)
    }

    /// Integer division (long division, bit by bit); the divisor must not be zero.
    public static func / (lhs: UInt256, rhs: UInt256) -> UInt256 {
        precondition(rhs != .zero, "division by zero")
        var quotient = UInt256.zero
        var remainder = UInt256.zero
        for index in stride(from: 255, through: 0, by: -1) {
            remainder = remainder.shiftedLeftByOne()
            if lhs.bit(index) { remainder.words[0] |= 1 }
            if !(remainder < rhs) {
                remainder = remainder - rhs
                quotient.setBit(index)
            }
        }
        return quotient
    }

    /// Multiplication by a small factor, saturating at `max`.
    public func multiplied(by factor: UInt64) -> UInt256 {
        var result = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        for index in 0..<4 {
            let (high, low) = words[index].multipliedFullWidth(by: factor)
            let (sum, overflow) = low.addingReportingOverflow(carry)
            result[index] = sum
            carry = high + (overflow ? 1 : 0)
        }
        return carry == 0 ? UInt256(words: result) : .max
    }

    /// Division by a small divisor.
    public func divided(by divisor: UInt64) -> UInt256 { self / UInt256(divisor) }

    public var description: String { Hex.encode(bigEndianBytes) }
}
