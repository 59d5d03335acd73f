/// Draws the leaves of a Merkle checkpoint for a holder that keeps only some parts of a stream: one random leaf
/// of every part it keeps (so a part it lost fails the checkpoint for certain), then more random leaves of
/// those parts up to `count`.
public enum HeldLeafDraw {
    /// Distinct leaves of the parts `parts` (indices into `layout`, each existing), in drawing order: at least
    /// one per part (the first `LeafDraw.maximumLeaves` parts, shuffled, when there are more), at most `count`
    /// beyond that, never more than the parts have.
    public static func leaves(
        _ count: Int,
        ofParts parts: [UInt32],
        layout: MerkleLayout,
        using generator: inout some RandomNumberGenerator
    ) -> [MerkleLeafIndex] {
        let held = Array(Set(parts)).sorted().filter { layout.leafCount(ofPart: $0) > 0 }.shuffled(using: &generator)
        guard !held.isEmpty else { return [] }
        let wanted = min(LeafDraw.maximumLeaves, max(count, held.count))
        var chosen: Set<MerkleLeafIndex> = []
        var order: [MerkleLeafIndex] = []
        for part in held.prefix(wanted) {
            let leaf = randomLeaf(of: part, layout: layout, using: &generator)
            chosen.insert(leaf)
            order.append(leaf)
        }
        let available = held.reduce(UInt64(0)) { $0 + layout.leafCount(ofPart: $1) }
        while order.count < wanted && UInt64(order.count) < available {
            let part = held[Int.random(in: 0..<held.count, using: &generator)]
            let leaf = randomLeaf(of: part, layout: layout, using: &generator)
            if chosen.insert(leaf).inserted { order.append(leaf) }
        }
        return order
    }

    private static func randomLeaf(
        of part: UInt32,
        layout: MerkleLayout,
        using generator: inout some RandomNumberGenerator
    ) -> MerkleLeafIndex {
        MerkleLeafIndex(
            part: part,
            leaf: UInt32(UInt64.random(in: 0..<layout.leafCount(ofPart: part), using: &generator))
        )
    }
}
