/// How a metainfo's stream is cut for Merkle proofs: parts of `partLength` bytes (the last may be shorter),
/// each cut into leaves of `leafSize` bytes (the last leaf of a part may be shorter). Owner, holder and any
/// verifier derive every count from these three numbers.
public struct MerkleLayout: Hashable, Sendable {
    /// The leaf size the node uses: 256 bytes, so that a proof for a leaf of a 256 KiB part is 576 bytes
    /// (see docs/proof-of-storage.md for the measurements behind the choice).
    public static let standardLeafSize = 256

    public let totalLength: UInt64
    public let partLength: UInt64
    public let leafSize: Int

    /// Checks the numbers: a leaf size that is a power of two from 64 bytes to 64 KiB, a part length that is a
    /// whole number of leaves, at least one byte, and at most 2^32 parts.
    public init(totalLength: UInt64, partLength: UInt64, leafSize: Int = standardLeafSize) throws(MerkleLayoutError) {
        guard leafSize >= 64, leafSize <= 1 << 16, leafSize & (leafSize - 1) == 0 else {
            throw .badLeafSize(leafSize)
        }
        guard partLength > 0, partLength % UInt64(leafSize) == 0, partLength / UInt64(leafSize) <= UInt32.max else {
            throw .badPartLength(partLength, leafSize: leafSize)
        }
        guard totalLength > 0, (totalLength - 1) / partLength < UInt64(UInt32.max) else {
            throw .badTotalLength(totalLength)
        }
        self.totalLength = totalLength
        self.partLength = partLength
        self.leafSize = leafSize
    }

    public var partCount: Int { Int((totalLength + partLength - 1) / partLength) }

    /// Leaves in every part but maybe the last.
    public var leavesPerPart: UInt64 { partLength / UInt64(leafSize) }

    /// All leaves of the stream.
    public var leafCount: UInt64 { UInt64(partCount - 1) * leavesPerPart + leafCount(ofPart: UInt32(partCount - 1)) }

    /// The length of part `index` in bytes; 0 past the last part.
    public func length(ofPart index: UInt32) -> UInt64 {
        let start = UInt64(index) * partLength
        guard start < totalLength else { return 0 }
        return min(partLength, totalLength - start)
    }

    /// The leaves of part `index`; 0 past the last part.
    public func leafCount(ofPart index: UInt32) -> UInt64 {
        (length(ofPart: index) + UInt64(leafSize) - 1) / UInt64(leafSize)
    }

    /// The length of a leaf in bytes; 0 when it does not exist.
    public func length(of leaf: MerkleLeafIndex) -> Int {
        let part = length(ofPart: leaf.part)
        let start = UInt64(leaf.leaf) * UInt64(leafSize)
        guard start < part else { return 0 }
        return Int(min(UInt64(leafSize), part - start))
    }

    /// Leaf number `global` of the whole stream (`0 ..< leafCount`), as a part and a leaf in it.
    public func leaf(_ global: UInt64) -> MerkleLeafIndex {
        MerkleLeafIndex(part: UInt32(global / leavesPerPart), leaf: UInt32(global % leavesPerPart))
    }
}

/// A leaf of a stream: leaf `leaf` of part `part`, both from 0.
public struct MerkleLeafIndex: Hashable, Sendable, Comparable {
    public var part: UInt32
    public var leaf: UInt32

    public init(part: UInt32, leaf: UInt32) {
        self.part = part
        self.leaf = leaf
    }

    public static func < (lhs: MerkleLeafIndex, rhs: MerkleLeafIndex) -> Bool {
        (lhs.part, lhs.leaf) < (rhs.part, rhs.leaf)
    }
}

/// Why a Merkle layout was refused.
public enum MerkleLayoutError: Error, Hashable, Sendable, CustomStringConvertible {
    case badLeafSize(Int)
    case badPartLength(UInt64, leafSize: Int)
    case badTotalLength(UInt64)

    public var description: String {
        switch self {
        case .badLeafSize(let size): "a Merkle leaf of \(size) bytes: use a power of two from 64 to 65,536"
        case .badPartLength(let length, let leaf):
            "a part of \(length) bytes is not a whole number (at most 2^32) of \(leaf)-byte leaves"
        case .badTotalLength(let length): "a stream of \(length) bytes: it needs 1 byte and at most 2^32 parts"
        }
    }
}
