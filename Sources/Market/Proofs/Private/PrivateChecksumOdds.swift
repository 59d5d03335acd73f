/// The catch maths of the private checksum, for a holder that kept a fraction `kept` of the data's bytes.
///
/// - A checkpoint under a salt the holder has never seen needs the garbled data's key, hence every byte: a
///   holder missing any byte it cannot rebuild can only guess, and passes with 1/2.
/// - Under a salt already asked, the worst case is a holder that computed and kept the key while it still
///   had everything: it then knows the bit exactly when it kept the byte the position falls in, and
///   guesses otherwise, so it passes with `kept + (1 − kept)/2 = (1 + kept)/2`.
/// A holder that misses only a few bytes can rebuild them from the part's SHA-1 in the metainfo (by trying
/// every value); for such a holder `kept` is 1, which is right: it does keep the data.
public enum PrivateChecksumOdds {
    /// The chance one checkpoint lets the holder through.
    public static func pass(kept: Chance, saltIsFresh: Bool) -> Chance {
        guard !kept.isCertain else { return .certain }
        return saltIsFresh ? .half : kept.halfwayToCertain
    }

    /// The chance the holder survives checkpoints `numbers` of one checksum (fresh salts first, as drawn).
    public static func survival(kept: Chance, checkpoints numbers: Range<Int>) -> Chance {
        let fresh = numbers.clamped(to: 0..<PrivateChecksum.saltCount).count
        return pass(kept: kept, saltIsFresh: true).power(fresh)
            * pass(kept: kept, saltIsFresh: false).power(numbers.count - fresh)
    }

    /// Checkpoints an audit needs so that the holder survives with at most `2^−confidenceBits`, counted at
    /// the worst case (salts already asked); nil when `kept` is 1 or more than `CheckCount.limit` are needed.
    /// Kept 0: 12 for 1 in 4096 (the RFC's count); kept 1/2: 29; kept 9/10: 163.
    public static func checksNeeded(kept: Chance, confidenceBits: Int) -> Int? {
        CheckCount.needed(pass: pass(kept: kept, saltIsFresh: false), confidenceBits: confidenceBits)
    }
}
