/// An exact probability `numerator / denominator` (0 ≤ it ≤ 1): what a check lets a cheater through with,
/// multiplied over many checks without rounding. Compared by value, so 1/2 equals 2/4.
public struct Chance: Sendable, Equatable, CustomStringConvertible {
    public let numerator: BigNatural
    public let denominator: BigNatural

    /// `numerator / denominator`; nil unless `denominator > 0` and `numerator ≤ denominator`.
    public init?(_ numerator: UInt64, over denominator: UInt64) {
        self.init(BigNatural(numerator), over: BigNatural(denominator))
    }

    /// `numerator / denominator`; nil unless `denominator > 0` and `numerator ≤ denominator`.
    public init?(_ numerator: BigNatural, over denominator: BigNatural) {
        guard !denominator.isZero, numerator <= denominator else { return nil }
        self.numerator = numerator
        self.denominator = denominator
    }

    public static let zero = Chance(0, over: 1)!
    public static let half = Chance(1, over: 2)!
    public static let certain = Chance(1, over: 1)!

    /// True for exactly 0.
    public var isZero: Bool { numerator.isZero }
    /// True for exactly 1.
    public var isCertain: Bool { numerator == denominator }

    /// `1 − self`.
    public var complement: Chance { Chance(denominator - numerator, over: denominator)! }

    /// Both events, independent.
    public static func * (lhs: Chance, rhs: Chance) -> Chance {
        Chance(lhs.numerator * rhs.numerator, over: lhs.denominator * rhs.denominator)!
    }

    /// Half way between `self` and certainty, `(1 + self) / 2`: a guess that is right half the time when the
    /// answer is not known, and always when it is.
    public var halfwayToCertain: Chance {
        Chance(denominator + numerator, over: denominator << 1)!
    }

    /// `self^count`, exactly.
    public func power(_ count: Int) -> Chance {
        precondition(count >= 0, "a negative power")
        var result = Chance.certain
        var base = self
        var rest = count
        while rest > 0 {
            if rest & 1 == 1 { result = result * base }
            rest >>= 1
            if rest > 0 { base = base * base }
        }
        return result
    }

    /// True when `self ≤ other`.
    public func isAtMost(_ other: Chance) -> Bool {
        numerator * other.denominator <= other.numerator * denominator
    }

    /// True when `self ≤ 2^−bits` (for bits 12: at most 1 in 4096).
    public func isAtMost(oneInTwoToThe bits: Int) -> Bool {
        (numerator << bits) <= denominator
    }

    public static func == (lhs: Chance, rhs: Chance) -> Bool {
        lhs.numerator * rhs.denominator == rhs.numerator * lhs.denominator
    }

    public var description: String { "\(numerator)/\(denominator)" }
}
