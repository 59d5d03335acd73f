import Market

/// Helpers shared by the proof tests: seeded data, and the range a binomial count falls in.
enum ProofTestSupport {
    /// `count` bytes drawn from `seed`.
    static func data(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 8)
        while bytes.count < count { withUnsafeBytes(of: generator.next()) { bytes.append(contentsOf: $0) } }
        return Array(bytes.prefix(count))
    }

    /// Exactly `kept` of the indices `0 ..< count`, chosen with `seed`.
    static func keptIndices(_ kept: Int, of count: Int, seed: UInt64) -> Set<Int> {
        var generator = SeededGenerator(seed: seed)
        return Set(Array(0..<count).shuffled(using: &generator).prefix(kept))
    }

    /// The failures `trials` checks of pass chance `pass` give, within `sigmas` standard deviations of the
    /// mean `trials × (1 − pass)` (plus one for rounding); exact integers throughout.
    static func failureWindow(trials: UInt64, pass: Chance, sigmas: UInt64 = 5) -> ClosedRange<UInt64> {
        let a = pass.numerator.uint64Value!
        let b = pass.denominator.uint64Value!
        let meanTimesB = trials * (b - a)
        let spreadTimesB = sigmas * squareRoot(trials * a * (b - a)) + b
        let low = meanTimesB > spreadTimesB ? (meanTimesB - spreadTimesB) / b : 0
        return low...min(trials, (meanTimesB + spreadTimesB) / b)
    }

    /// The largest `r` with `r² ≤ n`.
    static func squareRoot(_ n: UInt64) -> UInt64 {
        var root = UInt64(0)
        var bit = UInt64(1) << 62
        var rest = n
        while bit > n { bit >>= 2 }
        while bit != 0 {
            if rest >= root + bit {
                rest -= root + bit
                root = (root >> 1) + bit
            } else {
                root >>= 1
            }
            bit >>= 2
        }
        return root
    }
}
