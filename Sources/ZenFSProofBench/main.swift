import Chain
import Foundation
import Market
import Sealing
import ZenFS

/// `ZenFSProofBench`: the measurements of `scripts/bench pps`. Prints `key value` lines: the owner's state per
/// GiB and the holder's CPU per checkpoint in both modes (for a 256 KiB part and for a file of `--size`
/// bytes), the Merkle proof's size, the owner's verification time, and sealing against plain hashing.
/// usage: ZenFSProofBench [--size 1073741824] [--rounds 5]
var options: [String: Int] = ["size": 1 << 30, "rounds": 5]
var arguments = CommandLine.arguments.dropFirst()
while let key = arguments.popFirst(), let value = arguments.popFirst().flatMap(Int.init) {
    options[String(key.dropFirst(2))] = value
}
let partLength = 256 << 10
let size = max(partLength, options["size"]! / partLength * partLength)
let rounds = max(1, options["rounds"]!)
let parts = size / partLength

func report(_ key: String, _ value: some CustomStringConvertible) { print("\(key) \(value)") }

/// The best of `rounds` runs of `work`, in seconds.
func best(_ work: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<rounds {
        let start = DispatchTime.now().uptimeNanoseconds
        try work()
        fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return fastest
}

var generator = SystemRandomNumberGenerator()
let part = (0..<partLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
// The file: `parts` parts, each a rotation of the first (distinct bytes, no cost to draw them).
let file: [[UInt8]] = (0..<parts).map { index in
    let shift = (index * 4099) % partLength
    return Array(part[shift...] + part[..<shift])
}

// Owner state per GiB.
let partsPerGiB = (1 << 30) / partLength
report("merkle_owner_bytes_per_gib_part_roots", partsPerGiB * 32)
report("merkle_owner_bytes_per_gib_file_root", 32)
report("private_owner_bytes_per_checksum", PrivateChecksum.encodedLength)
report("private_owner_bytes_per_gib_one_checksum_per_mib", 1024 * PrivateChecksum.encodedLength)
report("private_owner_bytes_per_gib_one_checksum_per_part", partsPerGiB * PrivateChecksum.encodedLength)

// Merkle: the holder builds the part's tree and proves the leaves asked (the node asks 12 leaves of a
// one-part holding); the owner verifies them against the part root.
let layout = try MerkleLayout(totalLength: UInt64(partLength), partLength: UInt64(partLength))
let leaves = HeldLeafDraw.leaves(12, ofParts: [0], layout: layout, using: &generator)
var proofs: [MerkleProof] = []
let merklePart = try best {
    proofs = try MerkleProver(layout: layout).answer(leaves) { _ in part }
}
report("merkle_holder_seconds_per_check_256k_part", String(format: "%.6f", merklePart))
let oneLeafProof = ProofMessageCodec.encode(.merkleAnswer(checkpoint: 1, proofs: [proofs[0]]))
report("merkle_proof_bytes_one_leaf", proofs[0].payloadLength)
report("merkle_proof_encoded_bytes_one_leaf", oneLeafProof.count)
report(
    "merkle_answer_encoded_bytes_12_leaves",
    ProofMessageCodec.encode(.merkleAnswer(checkpoint: 1, proofs: proofs)).count
)
let verifier = MerkleVerifier(layout: layout, roots: .parts([PartTree(index: 0, bytes: part).root]))!
let verify = try best { try verifier.check(proofs, for: leaves) }
report("merkle_owner_seconds_verify_12_leaves", String(format: "%.6f", verify))

// Merkle over the whole file: one leaf of every part plus 12 (what the node asks a holder of all of it).
let fileLayout = try MerkleLayout(totalLength: UInt64(size), partLength: UInt64(partLength))
let fileLeaves = HeldLeafDraw.leaves(
    12,
    ofParts: (0..<UInt32(min(parts, LeafDraw.maximumLeaves))).map { $0 },
    layout: fileLayout,
    using: &generator
)
let merkleFile = try best {
    _ = try MerkleProver(layout: fileLayout).answer(fileLeaves) { file[Int($0)] }
}
report("merkle_holder_seconds_per_check_file", String(format: "%.6f", merkleFile))
report("merkle_checked_parts_per_check_file", Set(fileLeaves.map(\.part)).count)

// Private checksum: the holder answers a fresh salt over the part, and over the whole file.
let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
let privatePart = best { _ = GarbledData.answer(salt: salt, position: 12_345, parts: [part]) }
report("private_holder_seconds_per_check_256k_part", String(format: "%.6f", privatePart))
let privateFile = best { _ = GarbledData.answer(salt: salt, position: 12_345, parts: file) }
report("private_holder_seconds_per_check_file", String(format: "%.6f", privateFile))
let derive = try best { _ = try PrivateChecksum.make(data: part, using: &generator) }
report("private_owner_seconds_derive_256k_part", String(format: "%.6f", derive))

// Sealing against what adding the same bytes costs anyway (SHA-1 of every part): the sealed path does both.
let sample = Array(file.prefix(min(parts, 256)).joined())
let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
let digest = Hash256.sha256(sample).bytes
let hashOnly = best {
    for start in stride(from: 0, to: sample.count, by: partLength) {
        _ = SHA1Digest.of(sample[start..<min(start + partLength, sample.count)])
    }
}
var sealed: [UInt8] = []
let sealAndHash = try best {
    sealed = try PrivateFile.seal(name: "bench.bin", content: sample, digest: digest, secret: secret).bytes
    for start in stride(from: 0, to: sealed.count, by: partLength) {
        _ = SHA1Digest.of(sealed[start..<min(start + partLength, sealed.count)])
    }
}
let open = try best { _ = try PrivateFile.open(sealed, secret: secret) }
let sealer = try Sealer(secret: secret, salt: Array(digest))
let sealOnly = try best { _ = try sealer.seal(sample) }
report("seal_only_mb_per_s", String(format: "%.1f", Double(sample.count) / 1e6 / sealOnly))
let megabytes = Double(sample.count) / 1e6
report("sealing_bytes", sample.count)
report("plain_hash_mb_per_s", String(format: "%.1f", megabytes / hashOnly))
report("seal_and_hash_mb_per_s", String(format: "%.1f", megabytes / sealAndHash))
report("open_mb_per_s", String(format: "%.1f", megabytes / open))
