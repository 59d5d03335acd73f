/// An unsigned integer of any size, just enough arithmetic for exact probability bounds: products, shifts,
/// differences and comparisons (a chance to the power of a few hundred checks outgrows 64 bits at once).
public struct BigNatural: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Little-endian 64-bit limbs, without high zero limbs (zero is no limbs).
    private var limbs: [UInt64]

    public init(_ value: UInt64) { limbs = value == 0 ? [] : [value] }

    private init(limbs: [UInt64]) {
        self.limbs = limbs
        normalize()
    }

    public static let zero = BigNatural(0)
    public static let one = BigNatural(1)

    public var isZero: Bool { limbs.isEmpty }

    /// The number of significant bits (0 for zero).
    public var bitWidth: Int {
        guard let top = limbs.last else { return 0 }
        return (limbs.count - 1) * 64 + (64 - top.leadingZeroBitCount)
    }

    /// The value when it fits in 64 bits.
    public var uint64Value: UInt64? {
        switch limbs.count {
        case 0: 0
        case 1: limbs[0]
        default: nil
        }
    }

    public static func + (lhs: BigNatural, rhs: BigNatural) -> BigNatural {
        var result = [UInt64](repeating: 0, count: max(lhs.limbs.count, rhs.limbs.count) + 1)
        var carry = false
        for index in 0..<result.count - 1 {
            let a = index < lhs.limbs.count ? lhs.limbs[index] : 0
            let b = index < rhs.limbs.count ? rhs.limbs[index] : 0
            let (first, overflow1) = a.addingReportingOverflow(b)
            let (second, overflow2) = first.addingReportingOverflow(carry ? 1 : 0)
            result[index] = second
            carry = overflow1 || overflow2
        }
        result[result.count - 1] = carry ? 1 : 0
        return BigNatural(limbs: result)
    }

    public static func * (lhs: BigNatural, rhs: BigNatural) -> BigNatural {
        guard !lhs.isZero, !rhs.isZero else { return .zero }
        var result = [UInt64](repeating: 0, count: lhs.limbs.count + rhs.limbs.count)
        for (i, a) in lhs.limbs.enumerated() {
            var carry: UInt64 = 0
            for (j, b) in rhs.limbs.enumerated() {
                let product = a.multipliedFullWidth(by: b)
                let (low, overflow1) = product.low.addingReportingOverflow(result[i + j])
                let (sum, overflow2) = low.addingReportingOverflow(carry)
                result[i + j] = sum
                carry = product.high &+ (overflow1 ? 1 : 0) &+ (overflow2 ? 1 : 0)
            }
            result[i + rhs.limbs.count] = carry
        }
        return BigNatural(limbs: result)
    }

    /// `lhs · 2^bits`.
    public static func << (lhs: BigNatural, bits: Int) -> BigNatural {
        precondition(bits >= 0, "a negative shift")
        guard !lhs.isZero, bits > 0 else { return lhs }
        let whole = bits / 64
        let part = UInt64(bits % 64)
        var result = [UInt64](repeating: 0, count: whole) + lhs.limbs + [0]
        if part > 0 {
            var carry: UInt64 = 0
            for index in whole..<result.count {
                let limb = result[index]
                result[index] = (limb << part) | carry
                carry = limb >> (64 - part)
            }
        }
        return BigNatural(limbs: result)
    }

    /// `lhs − rhs`; `rhs` must not exceed `lhs`.
    public static func - (lhs: BigNatural, rhs: BigNatural) -> BigNatural {
        precondition(rhs <= lhs, "a natural number below zero")
        var result = lhs.limbs
        var borrow = false
        for index in result.indices {
            let subtrahend = index < rhs.limbs.count ? rhs.limbs[index] : 0
            let (first, overflow1) = result[index].subtractingReportingOverflow(subtrahend)
            let (second, overflow2) = first.subtractingReportingOverflow(borrow ? 1 : 0)
            result[index] = second
            borrow = overflow1 || overflow2
        }
        return BigNatural(limbs: result)
    }

    public static func < (lhs: BigNatural, rhs: BigNatural) -> Bool {
        if lhs.limbs.count != rhs.limbs.count { return lhs.limbs.count < rhs.limbs.count }
        for index in lhs.limbs.indices.reversed() where lhs.limbs[index] != rhs.limbs[index] {
            return lhs.limbs[index] < rhs.limbs[index]
        }
        return false
    }

    /// Decimal digits.
    public var description: String {
        guard !isZero else { return "0" }
        var digits: [String] = []
        var rest = limbs
        while !rest.isEmpty {
            var remainder: UInt64 = 0
            for index in rest.indices.reversed() {
                let (quotient, next) = UInt64(10_000_000_000_000_000_000).dividingFullWidth((remainder, rest[index]))
                rest[index] = quotient
                remainder = next
            }
            while rest.last == 0 { rest.removeLast() }
            let chunk = String(remainder)
            digits.append(rest.isEmpty ? chunk : String(repeating: "0", count: 19 - chunk.count) + chunk)
        }
        return digits.reversed().joined()
    }

    private mutating func normalize() {
        while limbs.last == 0 { limbs.removeLast() }
    }
}
