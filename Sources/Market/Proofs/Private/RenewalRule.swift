/// When an owner stops spending a private checksum's bits on routine checkpoints and renews it (downloads
/// the data, checks it against the part hashes, derives a new checksum): the RFC's rule.
///
/// A bit that a holder can only guess lets it through half the time, so `n` guessed bits let it through with
/// `(1/2)^n`; for 1 in 4096 that takes `log2 4096 = 12` bits. The rule keeps that many bits of the 1,024 as an
/// audit reserve, always able to reach the chosen confidence, and uses the other `1024 − 12 = 1012` for
/// routine checkpoints; when those are gone the checksum is renewed.
public struct RenewalRule: Hashable, Sendable {
    /// The chosen confidence: a cheater should survive an audit with at most `2^−confidenceBits`.
    public let confidenceBits: Int
    /// The bits held back for an audit: the checks a guess at 1/2 needs for the confidence.
    public let reserve: Int

    /// The rule for `2^−confidenceBits`; nil unless the reserve fits in one checksum (1 to 1,023 bits).
    public init?(confidenceBits: Int) {
        guard (1..<PrivateChecksum.bitCount).contains(confidenceBits),
            let reserve = CheckCount.needed(pass: .half, confidenceBits: confidenceBits)
        else { return nil }
        self.confidenceBits = confidenceBits
        self.reserve = reserve
    }

    /// The RFC's figures: 1 in 4096, so 12 bits in reserve and 1,012 routine checkpoints.
    public static let rfc = RenewalRule(confidenceBits: 12)!

    /// Checkpoints a checksum serves before renewal: 1,024 less the reserve.
    public var routineChecks: Int { PrivateChecksum.bitCount - reserve }
}
