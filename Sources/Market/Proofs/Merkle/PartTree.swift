import Chain

/// The Merkle tree of one part, built by whoever has its bytes (the owner before upload, to keep the root; a
/// holder, to answer checkpoints). Building it reads and hashes the whole part once.
public struct PartTree: Sendable {
    public let index: UInt32
    public let bytes: [UInt8]
    public let leafSize: Int
    /// Every level, leaves first; the root is the last.
    let levels: [[Hash256]]

    /// The tree of part `index`, cut into `leafSize`-byte leaves (the last may be shorter).
    public init(index: UInt32, bytes: [UInt8], leafSize: Int = MerkleLayout.standardLeafSize) {
        precondition(!bytes.isEmpty && leafSize > 0, "a part tree needs bytes and a leaf size")
        let stream = SHA256Stream()
        var leaves: [Hash256] = []
        leaves.reserveCapacity((bytes.count + leafSize - 1) / leafSize)
        var start = 0
        while start < bytes.count {
            let end = min(start + leafSize, bytes.count)
            leaves.append(MerkleHashing.leafHash(bytes[start..<end], stream: stream))
            start = end
        }
        self.index = index
        self.bytes = bytes
        self.leafSize = leafSize
        self.levels = MerkleHashing.levels(leaves: leaves, stream: stream)
    }

    public var root: Hash256 { levels[levels.count - 1][0] }

    public var leafCount: Int { levels[0].count }

    /// The proof for leaf `leaf` (which must exist), with `partPath` from a `FileTree` when the verifier keeps
    /// one root per stream.
    public func proof(leaf: UInt32, partPath: [Hash256] = []) -> MerkleProof {
        precondition(Int(leaf) < leafCount, "no such leaf")
        let start = Int(leaf) * leafSize
        return MerkleProof(
            index: MerkleLeafIndex(part: index, leaf: leaf),
            leafBytes: Array(bytes[start..<min(start + leafSize, bytes.count)]),
            leafPath: MerkleHashing.path(levels: levels, index: Int(leaf)),
            partPath: partPath
        )
    }
}
