import Chain

/// A holder's answer for one leaf: the leaf's bytes and the sibling hashes up to the part's root
/// (`leafPath`), then, when the verifier keeps one root for the whole stream, up from the part's root to it
/// (`partPath`, empty otherwise).
public struct MerkleProof: Hashable, Sendable {
    public var index: MerkleLeafIndex
    public var leafBytes: [UInt8]
    public var leafPath: [Hash256]
    public var partPath: [Hash256]

    public init(index: MerkleLeafIndex, leafBytes: [UInt8], leafPath: [Hash256], partPath: [Hash256] = []) {
        self.index = index
        self.leafBytes = leafBytes
        self.leafPath = leafPath
        self.partPath = partPath
    }

    /// The leaf's bytes and the hashes: what the proof weighs before its framing (576 bytes for a 256-byte
    /// leaf of a 256 KiB part checked against the part's root).
    public var payloadLength: Int { leafBytes.count + 32 * (leafPath.count + partPath.count) }
}
