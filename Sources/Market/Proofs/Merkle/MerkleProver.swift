import Chain

/// What a holder runs to answer a Merkle checkpoint from the parts it keeps: each challenged part is read and
/// its tree built once, however many of its leaves are asked.
public struct MerkleProver: Sendable {
    public let layout: MerkleLayout
    /// The tree over every part root of the stream, when the owner keeps one root per file: a holder of only
    /// some parts gets the roots with its contract (and checks them against the file root) to climb from its
    /// parts' roots. Nil when the owner keeps each part's root.
    public let fileTree: FileTree?

    public init(layout: MerkleLayout, fileTree: FileTree? = nil) {
        self.layout = layout
        self.fileTree = fileTree
    }

    /// One proof per leaf of `leaves`, in order; `part` gives a part's bytes, nil when the holder lacks it.
    public func answer(
        _ leaves: [MerkleLeafIndex],
        part: (UInt32) -> [UInt8]?
    ) throws(MerkleProverError) -> [MerkleProof] {
        if let fileTree, fileTree.partRoots.count != layout.partCount {
            throw .partRootCount(expected: layout.partCount, received: fileTree.partRoots.count)
        }
        var trees: [UInt32: PartTree] = [:]
        var proofs: [MerkleProof] = []
        proofs.reserveCapacity(leaves.count)
        for index in leaves {
            guard layout.length(of: index) > 0 else { throw .noSuchLeaf(index) }
            if trees[index.part] == nil {
                guard let bytes = part(index.part) else { throw .missingPart(index.part) }
                guard UInt64(bytes.count) == layout.length(ofPart: index.part) else {
                    throw .partLength(index.part, expected: layout.length(ofPart: index.part), received: bytes.count)
                }
                trees[index.part] = PartTree(index: index.part, bytes: bytes, leafSize: layout.leafSize)
            }
            proofs.append(
                trees[index.part]!.proof(leaf: index.leaf, partPath: fileTree?.path(part: index.part) ?? [])
            )
        }
        return proofs
    }
}

/// Why a holder cannot answer a Merkle checkpoint (it answers `ProofMessage.unable` with the description).
public enum MerkleProverError: Error, Hashable, Sendable, CustomStringConvertible {
    case noSuchLeaf(MerkleLeafIndex)
    case missingPart(UInt32)
    case partLength(UInt32, expected: UInt64, received: Int)
    case partRootCount(expected: Int, received: Int)

    public var description: String {
        switch self {
        case .noSuchLeaf(let index):
            "the checkpoint asks for leaf \(index.leaf) of part \(index.part), which does not exist"
        case .missingPart(let part): "part \(part) is not kept here"
        case .partLength(let part, let expected, let received):
            "part \(part) has \(received) bytes here, not the \(expected) of the layout: the stored copy is damaged"
        case .partRootCount(let expected, let received):
            "\(received) part roots for a stream of \(expected) parts: ask the owner for the contract's roots again"
        }
    }
}
