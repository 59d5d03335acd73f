import Chain
import Market
import Testing
import ZenFS

struct ProofMessageCodecTests {
    static func examples() -> [ProofMessage] {
        let task = Hash256.sha256([1])
        let tree = PartTree(index: 2, bytes: ProofTestSupport.data(5000, seed: 2))
        let file = FileTree(partRoots: [Hash256.sha256([3]), Hash256.sha256([4]), tree.root])
        return [
            .privateChallenge(
                PrivateChallenge(
                    checkpoint: 7,
                    task: task,
                    parts: [SHA1Digest.of([1]), SHA1Digest.of([2])],
                    salt: Array(0..<16),
                    position: 1 << 40
                )
            ),
            .privateAnswer(checkpoint: 7, bit: true),
            .privateAnswer(checkpoint: 8, bit: false),
            .merkleChallenge(
                MerkleChallenge(
                    checkpoint: 9,
                    task: task,
                    content: SHA1Digest.of([5]),
                    leafSize: 256,
                    partPaths: true,
                    leaves: [MerkleLeafIndex(part: 2, leaf: 19), MerkleLeafIndex(part: 0, leaf: 0)]
                )
            ),
            .merkleAnswer(
                checkpoint: 9,
                proofs: [tree.proof(leaf: 19, partPath: file.path(part: 2)), tree.proof(leaf: 0)]
            ),
            .merkleAnswer(checkpoint: 10, proofs: []),
            .unable(checkpoint: 11, reason: "part missing"),
        ]
    }

    @Test func roundTrips() throws {
        for message in Self.examples() {
            #expect(try ProofMessageCodec.decode(ProofMessageCodec.encode(message)) == message)
        }
    }

    /// Truncated, padded and unknown messages, short salts, non-boolean bits and counts over the limits are
    /// refused, never trapped on.
    @Test func refusesMalformed() throws {
        for message in Self.examples() {
            let bytes = ProofMessageCodec.encode(message)
            #expect(throws: CanonicalDecodingError.self) { try ProofMessageCodec.decode(bytes + [0]) }
            #expect(throws: CanonicalDecodingError.self) { try ProofMessageCodec.decode(Array(bytes.dropLast())) }
        }
        #expect(throws: CanonicalDecodingError.self) { try ProofMessageCodec.decode([]) }
        #expect(throws: CanonicalDecodingError.self) { try ProofMessageCodec.decode([0]) }
        #expect(throws: CanonicalDecodingError.self) { try ProofMessageCodec.decode([6]) }
        var bit = ProofMessageCodec.encode(.privateAnswer(checkpoint: 1, bit: true))
        bit[9] = 2
        #expect(throws: CanonicalDecodingError.invalidBool(offset: 9, value: 2)) { try ProofMessageCodec.decode(bit) }
        let shortSalt = ProofMessageCodec.encode(
            .privateChallenge(
                PrivateChallenge(checkpoint: 1, task: Hash256.sha256([1]), parts: [], salt: [1], position: 0)
            )
        )
        #expect(throws: CanonicalDecodingError.self) { try ProofMessageCodec.decode(shortSalt) }
        let tooMany = ProofMessageCodec.encode(
            .merkleChallenge(
                MerkleChallenge(
                    checkpoint: 1,
                    task: Hash256.sha256([1]),
                    content: SHA1Digest.of([1]),
                    leafSize: 256,
                    partPaths: false,
                    leaves: Array(repeating: MerkleLeafIndex(part: 0, leaf: 0), count: LeafDraw.maximumLeaves + 1)
                )
            )
        )
        #expect(throws: CanonicalDecodingError.self) { try ProofMessageCodec.decode(tooMany) }
        var longPath = ProofMessageCodec.encode(
            .merkleAnswer(
                checkpoint: 1,
                proofs: [MerkleProof(index: MerkleLeafIndex(part: 0, leaf: 0), leafBytes: [], leafPath: [])]
            )
        )
        longPath[longPath.count - 2] = 65
        #expect(throws: CanonicalDecodingError.self) { try ProofMessageCodec.decode(longPath) }
    }
}
