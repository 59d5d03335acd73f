import Chain

/// What a verifier keeps of a stream: each part's root (32 bytes a part, shortest proofs) or one root over
/// them (32 bytes a file).
public enum MerkleRoots: Hashable, Sendable {
    case parts([Hash256])
    case file(Hash256)
}

/// Checks Merkle proofs against roots; needs no data, so anyone with the roots and the layout can verify.
public struct MerkleVerifier: Hashable, Sendable {
    public let layout: MerkleLayout
    public let roots: MerkleRoots

    /// A verifier for `layout`; nil when `.parts` lists another number of roots than the layout has parts.
    public init?(layout: MerkleLayout, roots: MerkleRoots) {
        if case .parts(let list) = roots, list.count != layout.partCount { return nil }
        self.layout = layout
        self.roots = roots
    }

    /// Checks one proof; throws what is wrong with it.
    public func check(_ proof: MerkleProof) throws(MerkleCheckFailure) {
        let index = proof.index
        let expected = layout.length(of: index)
        guard expected > 0 else { throw .noSuchLeaf(index) }
        guard proof.leafBytes.count == expected else {
            throw .leafLength(index, expected: expected, received: proof.leafBytes.count)
        }
        let leaf = MerkleHashing.leafHash(proof.leafBytes[...], stream: SHA256Stream())
        guard
            let partRoot = MerkleHashing.root(
                from: leaf,
                index: UInt64(index.leaf),
                count: layout.leafCount(ofPart: index.part),
                path: proof.leafPath
            )
        else { throw .pathLength(index) }
        switch roots {
        case .parts(let list):
            guard proof.partPath.isEmpty else { throw .pathLength(index) }
            guard list[Int(index.part)] == partRoot else { throw .rootMismatch(index) }
        case .file(let root):
            guard
                let computed = MerkleHashing.root(
                    from: partRoot,
                    index: UInt64(index.part),
                    count: UInt64(layout.partCount),
                    path: proof.partPath
                )
            else { throw .pathLength(index) }
            guard computed == root else { throw .rootMismatch(index) }
        }
    }

    /// Checks a holder's answer to a checkpoint: one proof per challenged leaf, in the challenge's order.
    public func check(_ proofs: [MerkleProof], for challenge: [MerkleLeafIndex]) throws(MerkleCheckFailure) {
        guard proofs.count == challenge.count else {
            throw .proofCount(expected: challenge.count, received: proofs.count)
        }
        for (proof, asked) in zip(proofs, challenge) {
            guard proof.index == asked else { throw .unaskedLeaf(asked: asked, received: proof.index) }
            try check(proof)
        }
    }
}

/// Why a Merkle proof failed: each case is a failed checkpoint.
public enum MerkleCheckFailure: Error, Hashable, Sendable, CustomStringConvertible {
    case proofCount(expected: Int, received: Int)
    case unaskedLeaf(asked: MerkleLeafIndex, received: MerkleLeafIndex)
    case noSuchLeaf(MerkleLeafIndex)
    case leafLength(MerkleLeafIndex, expected: Int, received: Int)
    case pathLength(MerkleLeafIndex)
    case rootMismatch(MerkleLeafIndex)

    public var description: String {
        switch self {
        case .proofCount(let expected, let received): "\(received) proofs for a checkpoint of \(expected) leaves"
        case .unaskedLeaf(let asked, let received):
            "a proof for leaf \(received.leaf) of part \(received.part) where leaf \(asked.leaf) of part \(asked.part) was asked"
        case .noSuchLeaf(let index): "leaf \(index.leaf) of part \(index.part) does not exist in this stream"
        case .leafLength(let index, let expected, let received):
            "leaf \(index.leaf) of part \(index.part) has \(received) bytes, not \(expected)"
        case .pathLength(let index): "the path of leaf \(index.leaf) of part \(index.part) has the wrong length"
        case .rootMismatch(let index):
            "leaf \(index.leaf) of part \(index.part) and its path do not lead to the root: the holder lacks the data"
        }
    }
}
