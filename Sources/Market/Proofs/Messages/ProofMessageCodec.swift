import Chain
import ZenFS

/// The canonical bytes of proof-of-storage messages; decoding refuses unknown kinds, counts and lengths over
/// the limits below, non-boolean flags and trailing bytes.
public enum ProofMessageCodec {
    /// The most parts one private checkpoint covers (1 GiB of 256 KiB parts).
    public static let maximumParts = 4096
    public static let minimumSaltLength = 2
    public static let maximumSaltLength = 64
    /// The most hashes in one path (a tree of 2^64 leaves).
    public static let maximumPathLength = 64
    static let maximumReasonLength = 512

    public static func encode(_ message: ProofMessage) -> [UInt8] {
        var writer = CanonicalWriter(capacity: 128)
        switch message {
        case .privateChallenge(let challenge):
            writer.write(UInt8(1))
            writer.write(challenge.checkpoint)
            writer.writeFixed(challenge.task.bytes)
            writer.writeVarInt(UInt64(challenge.parts.count))
            for part in challenge.parts { writer.writeFixed(part.bytes) }
            writer.writeBytes(challenge.salt)
            writer.write(challenge.position)
        case .privateAnswer(let checkpoint, let bit):
            writer.write(UInt8(2))
            writer.write(checkpoint)
            writer.write(bit)
        case .merkleChallenge(let challenge):
            writer.write(UInt8(3))
            writer.write(challenge.checkpoint)
            writer.writeFixed(challenge.task.bytes)
            writer.writeFixed(challenge.content.bytes)
            writer.write(challenge.leafSize)
            writer.write(challenge.partPaths)
            writer.writeVarInt(UInt64(challenge.leaves.count))
            for leaf in challenge.leaves { write(leaf, into: &writer) }
        case .merkleAnswer(let checkpoint, let proofs):
            writer.write(UInt8(4))
            writer.write(checkpoint)
            writer.writeVarInt(UInt64(proofs.count))
            for proof in proofs { write(proof, into: &writer) }
        case .unable(let checkpoint, let reason):
            writer.write(UInt8(5))
            writer.write(checkpoint)
            writer.writeString(String(decoding: reason.utf8.prefix(maximumReasonLength - 8), as: UTF8.self))
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(CanonicalDecodingError) -> ProofMessage {
        var reader = CanonicalReader(bytes)
        let offset = reader.offset
        let message: ProofMessage
        switch try reader.readUInt8() {
        case 1:
            let checkpoint = try reader.readUInt64()
            let task = try hash(&reader)
            let count = try reader.readCount(limit: maximumParts)
            var parts: [SHA1Digest] = []
            for _ in 0..<count { parts.append(SHA1Digest(bytes: try reader.readFixed(SHA1Digest.byteCount))!) }
            let saltOffset = reader.offset
            let salt = try reader.readBytes(limit: maximumSaltLength)
            guard salt.count >= minimumSaltLength else {
                throw .invalidValue(offset: saltOffset, reason: "a salt of \(salt.count) bytes (2 at least)")
            }
            message = .privateChallenge(
                PrivateChallenge(
                    checkpoint: checkpoint,
                    task: task,
                    parts: parts,
                    salt: salt,
                    position: try reader.readUInt64()
                )
            )
        case 2: message = .privateAnswer(checkpoint: try reader.readUInt64(), bit: try reader.readBool())
        case 3:
            let checkpoint = try reader.readUInt64()
            let task = try hash(&reader)
            let content = SHA1Digest(bytes: try reader.readFixed(SHA1Digest.byteCount))!
            let leafSize = try reader.readUInt32()
            let partPaths = try reader.readBool()
            let count = try reader.readCount(limit: LeafDraw.maximumLeaves)
            var leaves: [MerkleLeafIndex] = []
            for _ in 0..<count { leaves.append(try leaf(&reader)) }
            message = .merkleChallenge(
                MerkleChallenge(
                    checkpoint: checkpoint,
                    task: task,
                    content: content,
                    leafSize: leafSize,
                    partPaths: partPaths,
                    leaves: leaves
                )
            )
        case 4:
            let checkpoint = try reader.readUInt64()
            let count = try reader.readCount(limit: LeafDraw.maximumLeaves)
            var proofs: [MerkleProof] = []
            for _ in 0..<count { proofs.append(try proof(&reader)) }
            message = .merkleAnswer(checkpoint: checkpoint, proofs: proofs)
        case 5:
            message = .unable(
                checkpoint: try reader.readUInt64(),
                reason: try reader.readString(limit: maximumReasonLength)
            )
        case let kind: throw .invalidValue(offset: offset, reason: "unknown proof message \(kind)")
        }
        try reader.finish()
        return message
    }

    /// The encoded length of one proof inside an answer.
    public static func encodedLength(of proof: MerkleProof) -> Int {
        var writer = CanonicalWriter(capacity: proof.payloadLength + 16)
        write(proof, into: &writer)
        return writer.bytes.count
    }

    private static func write(_ leaf: MerkleLeafIndex, into writer: inout CanonicalWriter) {
        writer.write(leaf.part)
        writer.write(leaf.leaf)
    }

    private static func write(_ proof: MerkleProof, into writer: inout CanonicalWriter) {
        write(proof.index, into: &writer)
        writer.writeBytes(proof.leafBytes)
        for path in [proof.leafPath, proof.partPath] {
            writer.writeVarInt(UInt64(path.count))
            for hash in path { writer.writeFixed(hash.bytes) }
        }
    }

    private static func leaf(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> MerkleLeafIndex {
        MerkleLeafIndex(part: try reader.readUInt32(), leaf: try reader.readUInt32())
    }

    private static func proof(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> MerkleProof {
        let index = try leaf(&reader)
        let bytes = try reader.readBytes(limit: 1 << 16)
        return MerkleProof(index: index, leafBytes: bytes, leafPath: try path(&reader), partPath: try path(&reader))
    }

    private static func path(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> [Hash256] {
        let count = try reader.readCount(limit: maximumPathLength)
        var path: [Hash256] = []
        for _ in 0..<count { path.append(try hash(&reader)) }
        return path
    }

    private static func hash(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Hash256 {
        Hash256(bytes: try reader.readFixed(32))!
    }
}
