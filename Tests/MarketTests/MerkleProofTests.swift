import Chain
import Market
import Testing

struct MerkleProofTests {
    /// Four full 256 KiB parts and a short fifth: 1 MiB + 1000 bytes.
    static let stream = ProofTestSupport.data((1 << 20) + 1000, seed: 21)
    static let partLength = UInt64(256 << 10)

    static func trees(leafSize: Int = MerkleLayout.standardLeafSize) -> [PartTree] {
        stride(from: 0, to: stream.count, by: Int(partLength)).enumerated().map { index, start in
            PartTree(
                index: UInt32(index),
                bytes: Array(stream[start..<min(start + Int(partLength), stream.count)]),
                leafSize: leafSize
            )
        }
    }

    static func layout(leafSize: Int = MerkleLayout.standardLeafSize) throws -> MerkleLayout {
        try MerkleLayout(totalLength: UInt64(stream.count), partLength: partLength, leafSize: leafSize)
    }

    /// RFC 6962's recursive definition, written independently of the library's bottom-up levels.
    static func referenceRoot(_ leaves: ArraySlice<[UInt8]>) -> Hash256 {
        if leaves.count == 1 { return Hash256.sha256([0] + leaves.first!) }
        var split = 1
        while split * 2 < leaves.count { split *= 2 }
        let start = leaves.startIndex
        return Hash256.sha256(
            [1] + referenceRoot(leaves[start..<start + split]).bytes + referenceRoot(leaves[(start + split)...]).bytes
        )
    }

    /// Counts of parts, leaves and lengths follow from the layout.
    @Test func layoutCounts() throws {
        let layout = try Self.layout()
        #expect(layout.partCount == 5)
        #expect(layout.leavesPerPart == 1024)
        #expect(layout.leafCount(ofPart: 4) == 4)
        #expect(layout.leafCount == 4 * 1024 + 4)
        #expect(layout.length(of: MerkleLeafIndex(part: 4, leaf: 3)) == 1000 - 3 * 256)
        #expect(layout.length(of: MerkleLeafIndex(part: 4, leaf: 4)) == 0)
        #expect(layout.leaf(4 * 1024 + 2) == MerkleLeafIndex(part: 4, leaf: 2))
        #expect(throws: MerkleLayoutError.self) { try MerkleLayout(totalLength: 10, partLength: 1000, leafSize: 256) }
        #expect(throws: MerkleLayoutError.self) { try MerkleLayout(totalLength: 10, partLength: 1024, leafSize: 96) }
        #expect(throws: MerkleLayoutError.self) { try MerkleLayout(totalLength: 0, partLength: 1024) }
    }

    /// Roots match RFC 6962 for 1 to 9 leaves, a short last leaf included.
    @Test func rootsMatchRFC6962() {
        for count in 1...9 {
            let bytes = ProofTestSupport.data(count * 64 - 10, seed: UInt64(count))
            let leaves = stride(from: 0, to: bytes.count, by: 64).map { Array(bytes[$0..<min($0 + 64, bytes.count)]) }
            #expect(PartTree(index: 0, bytes: bytes, leafSize: 64).root == Self.referenceRoot(leaves[...]))
        }
    }

    /// An honest holder passes 1,000 one-leaf checkpoints, against part roots and against one file root.
    @Test func honestHolderPasses1000() throws {
        let layout = try Self.layout()
        let trees = Self.trees()
        let file = FileTree(partRoots: trees.map(\.root))
        let byParts = try #require(MerkleVerifier(layout: layout, roots: .parts(file.partRoots)))
        let byFile = try #require(MerkleVerifier(layout: layout, roots: .file(file.root)))
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<1000 {
            let challenge = LeafDraw.leaves(1, from: layout, using: &generator)
            let tree = trees[Int(challenge[0].part)]
            try byParts.check([tree.proof(leaf: challenge[0].leaf)], for: challenge)
            try byFile.check(
                [tree.proof(leaf: challenge[0].leaf, partPath: file.path(part: tree.index))],
                for: challenge
            )
        }
        // Every leaf of the short last part verifies too.
        for leaf in 0..<UInt32(4) { try byParts.check(trees[4].proof(leaf: leaf)) }
        #expect(MerkleVerifier(layout: layout, roots: .parts([file.root])) == nil)
    }

    /// A proof for a leaf of a 256 KiB part: 576 bytes with 256-byte leaves (800 with 512, 1,280 with 1 KiB,
    /// which misses the 1 KiB goal); climbing to the root of a 1 GiB file (4,096 parts) adds 12 hashes.
    @Test(arguments: [(256, 576), (512, 800), (1024, 1280)])
    func proofSizes(leafSize: Int, payload: Int) throws {
        let part = Array(Self.stream.prefix(Int(Self.partLength)))
        let proof = PartTree(index: 0, bytes: part, leafSize: leafSize).proof(leaf: 3)
        #expect(proof.payloadLength == payload)
        #expect(ProofMessageCodec.encodedLength(of: proof) <= payload + 16)
        if leafSize <= 512 { #expect(ProofMessageCodec.encodedLength(of: proof) <= 1024) }
        var generator = SeededGenerator(seed: 1)
        let roots = (0..<4096).map { _ in Hash256.sha256(withUnsafeBytes(of: generator.next()) { Array($0) }) }
        let climbing = PartTree(index: 77, bytes: part, leafSize: leafSize)
            .proof(leaf: 3, partPath: FileTree(partRoots: roots).path(part: 77))
        #expect(climbing.payloadLength == payload + 12 * 32)
    }

    /// Holders that kept 0 %, 50 % and 90 % of the leaves (and every hash of the trees) fail one-leaf
    /// checkpoints at `1 − kept`: 1,000 checkpoints each, within five standard deviations.
    @Test(arguments: [0, 50, 90])
    func cheatersAreCaughtAtPredictedRates(keptPercent: Int) throws {
        let layout = try Self.layout()
        let trees = Self.trees()
        let verifier = try #require(MerkleVerifier(layout: layout, roots: .parts(trees.map(\.root))))
        let total = Int(layout.leafCount)
        let kept = ProofTestSupport.keptIndices(total * keptPercent / 100, of: total, seed: 8)
        var generator = SeededGenerator(seed: 10 + UInt64(keptPercent))
        var failures = 0
        for _ in 0..<1000 {
            let challenge = LeafDraw.leaves(1, from: layout, using: &generator)
            if (try? verifier.check(
                [Self.cheat(challenge[0], trees: trees, layout: layout, kept: kept)],
                for: challenge
            ))
                == nil
            {
                failures += 1
            }
        }
        let pass = Chance(UInt64(kept.count), over: UInt64(total))!
        let window = ProofTestSupport.failureWindow(trials: 1000, pass: MerkleOdds.pass(kept: pass))
        #expect(window.contains(UInt64(failures)), "\(failures) failures, expected \(window)")
        if keptPercent == 0 { #expect(failures == 1000) }
    }

    /// Checkpoints of 79 leaves (the count for 1 in 4096 at 90 %) catch a 90 % holder: of 100, at most one
    /// survives (the exact chance per checkpoint is below 1/4096).
    @Test func auditsCatchA90PercentHolder() throws {
        let layout = try Self.layout()
        let trees = Self.trees()
        let verifier = try #require(MerkleVerifier(layout: layout, roots: .parts(trees.map(\.root))))
        let total = Int(layout.leafCount)
        let kept = ProofTestSupport.keptIndices(total * 9 / 10, of: total, seed: 12)
        let count = try #require(MerkleOdds.leavesNeeded(kept: Chance(9, over: 10)!, confidenceBits: 12))
        #expect(count == 79)
        let exact = MerkleOdds.survival(keptLeaves: UInt64(kept.count), totalLeaves: UInt64(total), leaves: count)
        #expect(exact.isAtMost(oneInTwoToThe: 12))
        var generator = SeededGenerator(seed: 13)
        var survivors = 0
        for _ in 0..<100 {
            let challenge = LeafDraw.leaves(count, from: layout, using: &generator)
            #expect(Set(challenge).count == count)
            let proofs = challenge.map { Self.cheat($0, trees: trees, layout: layout, kept: kept) }
            if (try? verifier.check(proofs, for: challenge)) != nil { survivors += 1 }
        }
        #expect(survivors <= 1)
    }

    /// Altered bytes, paths, indices and counts are refused with the reason.
    @Test func forgeriesAreRefused() throws {
        let layout = try Self.layout()
        let trees = Self.trees()
        let file = FileTree(partRoots: trees.map(\.root))
        let verifier = try #require(MerkleVerifier(layout: layout, roots: .parts(file.partRoots)))
        let byFile = try #require(MerkleVerifier(layout: layout, roots: .file(file.root)))
        let good = trees[1].proof(leaf: 5)
        let index = good.index
        var flipped = good
        flipped.leafBytes[0] ^= 0x80
        #expect(throws: MerkleCheckFailure.rootMismatch(index)) { try verifier.check(flipped) }
        var short = good
        short.leafPath.removeLast()
        #expect(throws: MerkleCheckFailure.pathLength(index)) { try verifier.check(short) }
        var long = good
        long.leafPath.append(long.leafPath[0])
        #expect(throws: MerkleCheckFailure.pathLength(index)) { try verifier.check(long) }
        var moved = good
        moved.index = MerkleLeafIndex(part: 1, leaf: 6)
        #expect(throws: MerkleCheckFailure.rootMismatch(moved.index)) { try verifier.check(moved) }
        var cut = good
        cut.leafBytes.removeLast()
        #expect(throws: MerkleCheckFailure.leafLength(index, expected: 256, received: 255)) { try verifier.check(cut) }
        var outside = good
        outside.index = MerkleLeafIndex(part: 9, leaf: 0)
        #expect(throws: MerkleCheckFailure.noSuchLeaf(outside.index)) { try verifier.check(outside) }
        #expect(throws: MerkleCheckFailure.pathLength(index)) { try byFile.check(good) }
        var wrongClimb = trees[1].proof(leaf: 5, partPath: file.path(part: 2))
        #expect(throws: MerkleCheckFailure.rootMismatch(index)) { try byFile.check(wrongClimb) }
        wrongClimb.partPath = file.path(part: 1)
        try byFile.check(wrongClimb)
        let asked = [MerkleLeafIndex(part: 1, leaf: 5), MerkleLeafIndex(part: 2, leaf: 0)]
        #expect(throws: MerkleCheckFailure.proofCount(expected: 2, received: 1)) {
            try verifier.check([good], for: asked)
        }
        #expect(throws: MerkleCheckFailure.unaskedLeaf(asked: asked[1], received: index)) {
            try verifier.check([good, good], for: asked)
        }
    }

    /// A cheater's proof: the true one for a leaf it kept; for one it lost, the true path (it kept every
    /// hash) around the best bytes it has, zeros.
    static func cheat(_ index: MerkleLeafIndex, trees: [PartTree], layout: MerkleLayout, kept: Set<Int>) -> MerkleProof
    {
        var proof = trees[Int(index.part)].proof(leaf: index.leaf)
        let global = Int(UInt64(index.part) * layout.leavesPerPart + UInt64(index.leaf))
        if !kept.contains(global) { proof.leafBytes = [UInt8](repeating: 0, count: proof.leafBytes.count) }
        return proof
    }
}

struct MerkleProverTests {
    /// A holder's prover answers a multi-leaf checkpoint, several leaves of one part included, in a form both
    /// verifiers accept; a part it lacks or a leaf outside the stream is an error, not a wrong proof.
    @Test func answersCheckpoints() throws {
        let layout = try MerkleProofTests.layout()
        let trees = MerkleProofTests.trees()
        let file = FileTree(partRoots: trees.map(\.root))
        let leaves = [
            MerkleLeafIndex(part: 2, leaf: 9), MerkleLeafIndex(part: 4, leaf: 3), MerkleLeafIndex(part: 2, leaf: 1000),
        ]
        let parts = { (index: UInt32) -> [UInt8]? in trees[Int(index)].bytes }
        let byParts = try MerkleProver(layout: layout).answer(leaves, part: parts)
        try #require(MerkleVerifier(layout: layout, roots: .parts(file.partRoots))).check(byParts, for: leaves)
        let byFile = try MerkleProver(layout: layout, fileTree: file).answer(leaves, part: parts)
        try #require(MerkleVerifier(layout: layout, roots: .file(file.root))).check(byFile, for: leaves)
        #expect(throws: MerkleProverError.missingPart(4)) {
            try MerkleProver(layout: layout).answer(leaves) { $0 == 4 ? nil : trees[Int($0)].bytes }
        }
        #expect(throws: MerkleProverError.noSuchLeaf(MerkleLeafIndex(part: 4, leaf: 4))) {
            try MerkleProver(layout: layout).answer([MerkleLeafIndex(part: 4, leaf: 4)], part: parts)
        }
        #expect(throws: MerkleProverError.partLength(1, expected: 256 << 10, received: 10)) {
            try MerkleProver(layout: layout).answer([MerkleLeafIndex(part: 1, leaf: 0)]) { _ in
                [UInt8](repeating: 0, count: 10)
            }
        }
    }
}
