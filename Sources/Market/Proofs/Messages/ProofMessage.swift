import Chain
import ZenFS

/// An owner's private-checksum checkpoint: the bit at `position` of the garbled data under `salt`, where the
/// data is the bytes of `parts` in this order.
public struct PrivateChallenge: Hashable, Sendable {
    /// The owner's number for this checkpoint, repeated in the answer.
    public var checkpoint: UInt64
    /// The storage task the parts are kept under.
    public var task: Hash256
    public var parts: [SHA1Digest]
    public var salt: [UInt8]
    public var position: UInt64

    public init(checkpoint: UInt64, task: Hash256, parts: [SHA1Digest], salt: [UInt8], position: UInt64) {
        self.checkpoint = checkpoint
        self.task = task
        self.parts = parts
        self.salt = salt
        self.position = position
    }
}

/// An owner's Merkle checkpoint: proofs for `leaves` of the stream of the metainfo `content`, cut into
/// `leafSize`-byte leaves; with `partPaths`, each proof also climbs from its part's root to the file's.
public struct MerkleChallenge: Hashable, Sendable {
    public var checkpoint: UInt64
    public var task: Hash256
    /// The info-hash of the metainfo whose parts are checked.
    public var content: SHA1Digest
    public var leafSize: UInt32
    public var partPaths: Bool
    public var leaves: [MerkleLeafIndex]

    public init(
        checkpoint: UInt64,
        task: Hash256,
        content: SHA1Digest,
        leafSize: UInt32,
        partPaths: Bool,
        leaves: [MerkleLeafIndex]
    ) {
        self.checkpoint = checkpoint
        self.task = task
        self.content = content
        self.leafSize = leafSize
        self.partPaths = partPaths
        self.leaves = leaves
    }
}

/// Every proof-of-storage message between an owner and a holder (carried in the peer protocol beside the
/// market's messages).
public enum ProofMessage: Hashable, Sendable {
    case privateChallenge(PrivateChallenge)
    case privateAnswer(checkpoint: UInt64, bit: Bool)
    case merkleChallenge(MerkleChallenge)
    /// One proof per challenged leaf, in the challenge's order.
    case merkleAnswer(checkpoint: UInt64, proofs: [MerkleProof])
    /// The holder cannot answer (it lacks a part, or the challenge names none it keeps): a failed checkpoint,
    /// said at once instead of waiting out the deadline.
    case unable(checkpoint: UInt64, reason: String)
}
