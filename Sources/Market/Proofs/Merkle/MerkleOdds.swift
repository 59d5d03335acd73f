/// The catch maths of Merkle checkpoints, for a holder that kept `kept` of a stream's leaves (it may keep
/// every hash of the tree: without a leaf's bytes it cannot make a path lead to the root, short of breaking
/// SHA-256).
public enum MerkleOdds {
    /// One leaf drawn uniformly lets the holder through exactly when it kept that leaf.
    public static func pass(kept: Chance) -> Chance { kept }

    /// The exact chance that a holder with `keptLeaves` of `totalLeaves` survives a checkpoint of `count`
    /// distinct leaves: `C(kept, count) / C(total, count)`, at most `(kept / total)^count`.
    public static func survival(keptLeaves: UInt64, totalLeaves: UInt64, leaves count: Int) -> Chance {
        precondition(keptLeaves <= totalLeaves && UInt64(count) <= totalLeaves, "more leaves than the stream has")
        var survival = Chance.certain
        for drawn in 0..<UInt64(count) {
            survival = survival * Chance(keptLeaves - min(keptLeaves, drawn), over: totalLeaves - drawn)!
        }
        return survival
    }

    /// Leaves a checkpoint asks for so that the holder survives with at most `2^−confidenceBits`, from the
    /// bound `kept^count` (distinct leaves do better); nil when `kept` is 1 or more than `CheckCount.limit` are
    /// needed. Kept 0: 1; kept 1/2: 12 for 1 in 4096; kept 9/10: 79.
    public static func leavesNeeded(kept: Chance, confidenceBits: Int) -> Int? {
        CheckCount.needed(pass: pass(kept: kept), confidenceBits: confidenceBits)
    }
}
