import Chain

/// The tree over a stream's part roots (the parts of one metainfo, in order), whose root lets an owner keep
/// 32 bytes per file instead of 32 per part, at the price of a longer proof.
public struct FileTree: Sendable {
    let levels: [[Hash256]]

    public init(partRoots: [Hash256]) {
        levels = MerkleHashing.levels(leaves: partRoots, stream: SHA256Stream())
    }

    public var root: Hash256 { levels[levels.count - 1][0] }

    public var partRoots: [Hash256] { levels[0] }

    /// The siblings from part `part`'s root up to the file root.
    public func path(part: UInt32) -> [Hash256] {
        precondition(Int(part) < levels[0].count, "no such part")
        return MerkleHashing.path(levels: levels, index: Int(part))
    }
}
