import Testing

@testable import Sealing

/// Private files: name and content sealed together under a neutral name, opened only by their owner's key,
/// and never opened into wrong plaintext.
struct PrivateFileTests {
    static let secret = [UInt8](repeating: 3, count: 32)
    static let digest = [UInt8](repeating: 9, count: 32)
    static let content =
        Array("a secret letter: MARKER-4f1c".utf8) + (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }

    @Test func roundTripKeepsNameAndContent() throws {
        let sealed = try PrivateFile.seal(
            name: "letter.txt",
            content: Self.content,
            digest: Self.digest,
            secret: Self.secret
        )
        #expect(sealed.name.hasPrefix("private-") && sealed.name.hasSuffix(PrivateFile.sealedExtension))
        #expect(!sealed.name.contains("letter"))
        let opened = try PrivateFile.open(sealed.bytes, secret: Self.secret)
        #expect(opened.name == "letter.txt" && opened.content == Self.content)
    }

    @Test func sealedBytesHoldNoPlaintext() throws {
        let sealed = try PrivateFile.seal(
            name: "letter.txt",
            content: Self.content,
            digest: Self.digest,
            secret: Self.secret
        )
        let marker = Array("MARKER-4f1c".utf8)
        let name = Array("letter.txt".utf8)
        for needle in [marker, name] {
            let found = (0...(sealed.bytes.count - needle.count)).contains { start in
                sealed.bytes[start..<start + needle.count].elementsEqual(needle)
            }
            #expect(!found)
        }
    }

    @Test func sameOwnerSameFileSealsAlike() throws {
        let first = try PrivateFile.seal(name: "a", content: Self.content, digest: Self.digest, secret: Self.secret)
        let second = try PrivateFile.seal(name: "a", content: Self.content, digest: Self.digest, secret: Self.secret)
        #expect(first.bytes == second.bytes && first.name == second.name)
        let other = try PrivateFile.seal(
            name: "a",
            content: Self.content,
            digest: Self.digest,
            secret: [UInt8](repeating: 4, count: 32)
        )
        #expect(other.bytes != first.bytes, "another owner never shares ciphertext")
    }

    @Test func anotherKeyIsRefused() throws {
        let sealed = try PrivateFile.seal(name: "a", content: Self.content, digest: Self.digest, secret: Self.secret)
        #expect(throws: SealingError.wrongKey) {
            _ = try PrivateFile.open(sealed.bytes, secret: [UInt8](repeating: 5, count: 32))
        }
    }

    @Test func aFlippedBitIsDetected() throws {
        let sealed = try PrivateFile.seal(name: "a", content: Self.content, digest: Self.digest, secret: Self.secret)
        for position in [SealedHeader.length + 5, sealed.bytes.count / 2, sealed.bytes.count - 1] {
            var altered = sealed.bytes
            altered[position] ^= 0x10
            #expect(throws: SealingError.self) { _ = try PrivateFile.open(altered, secret: Self.secret) }
        }
    }
}
