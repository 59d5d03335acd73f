/// Draws the leaves of a Merkle checkpoint.
public enum LeafDraw {
    /// The most leaves one checkpoint asks for.
    public static let maximumLeaves = 1024

    /// `count` distinct leaves drawn uniformly from the whole stream, in drawing order (every leaf when the
    /// stream has no more than `count`); the generator is the caller's, so the holder cannot predict them.
    public static func leaves(
        _ count: Int,
        from layout: MerkleLayout,
        using generator: inout some RandomNumberGenerator
    ) -> [MerkleLeafIndex] {
        precondition((0...maximumLeaves).contains(count), "a checkpoint asks for 0 to 1,024 leaves")
        let total = layout.leafCount
        guard UInt64(count) < total else { return (0..<total).map(layout.leaf) }
        var chosen: Set<UInt64> = []
        var order: [MerkleLeafIndex] = []
        while order.count < count {
            let global = UInt64.random(in: 0..<total, using: &generator)
            if chosen.insert(global).inserted { order.append(layout.leaf(global)) }
        }
        return order
    }
}
