/// How many independent checks an audit needs: the smallest `n` with `pass^n ≤ 2^−confidenceBits`, where
/// `pass` is the chance that one check lets a cheater through. For a guessed bit (pass 1/2) this is exactly
/// `confidenceBits` (12 checks for 1 in 4096, the RFC's figure); for a holder that kept 90 % of the leaves
/// of a Merkle tree (pass 9/10) it is 79.
public enum CheckCount {
    /// The most checks `needed` ever counts to; past it the answer is nil (a pass chance too close to 1).
    public static let limit = 4096

    /// The smallest number of checks that lets a cheater pass with at most `2^−confidenceBits`; 0 when no
    /// confidence is asked, nil when `pass` is certain (no number of checks helps) or more than `limit` are needed.
    public static func needed(pass: Chance, confidenceBits: Int) -> Int? {
        precondition(confidenceBits >= 0, "a negative confidence")
        guard confidenceBits > 0 else { return 0 }
        guard !pass.isCertain else { return nil }
        // Double the count until it suffices (squaring the survival), then halve the gap to the smallest.
        var enough = 1
        var survival = pass
        while !survival.isAtMost(oneInTwoToThe: confidenceBits) {
            guard enough < limit else { return nil }
            enough *= 2
            survival = survival * survival
        }
        var tooFew = enough / 2
        while enough - tooFew > 1 {
            let middle = (tooFew + enough) / 2
            if pass.power(middle).isAtMost(oneInTwoToThe: confidenceBits) { enough = middle } else { tooFew = middle }
        }
        return enough
    }

    /// The chance that a cheater whose every check passes with `pass` survives `count` checks: `pass^count`.
    public static func survival(pass: Chance, checks count: Int) -> Chance { pass.power(count) }
}
