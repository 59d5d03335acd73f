import Testing

@testable import Sealing

struct SealingTests {
    static let secret = [UInt8](repeating: 7, count: 32)
    static let otherSecret = [UInt8](repeating: 8, count: 32)
    static let salt = Array(UInt8(0)..<32)
    static let chunkSize = 1024

    static func plaintext(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) } }

    static func sealed(_ count: Int) throws -> [UInt8] {
        try Sealer(secret: secret, salt: salt, chunkSize: chunkSize).seal(plaintext(count))
    }

    /// OpenSSL's HKDF-SHA256 gives RFC 5869's test case 1.
    @Test func hkdfMatchesRFC5869() throws {
        let output = try HKDF.sha256(
            secret: [UInt8](repeating: 0x0b, count: 22),
            salt: Array(0x00...0x0c),
            info: Array(0xf0...0xf9),
            length: 42
        )
        let expected = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        #expect(
            output.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
                .joined() == expected
        )
    }

    /// Content of every shape around the chunk size opens to itself, chunk by chunk too, and no plaintext
    /// shows in the sealed bytes.
    @Test(arguments: [0, 1, 1023, 1024, 1025, 3 * 1024, 3 * 1024 + 5])
    func roundTrips(count: Int) throws {
        let sealed = try Self.sealed(count)
        #expect(sealed.count == Sealer.sealedLength(plaintextLength: count, chunkSize: Self.chunkSize))
        let opener = try Opener(secret: Self.secret, sealed: sealed[...])
        #expect(try opener.open(sealed) == Self.plaintext(count))
        let stride = Self.chunkSize + 16
        let chunks = max(1, (count + Self.chunkSize - 1) / Self.chunkSize)
        for index in 0..<chunks {
            let start = SealedHeader.length + index * stride
            let chunk = try opener.openChunk(
                sealed[start..<min(start + stride, sealed.count)],
                index: UInt64(index),
                isLast: index == chunks - 1
            )
            #expect(
                chunk
                    == Array(Self.plaintext(count)[(index * Self.chunkSize)..<min(count, (index + 1) * Self.chunkSize)])
            )
        }
        if count >= 64 {
            let marker = Array(Self.plaintext(count)[0..<32])
            #expect(!Self.contains(sealed, marker))
        }
    }

    /// Another wallet's secret is told apart from altered content, before any chunk is opened.
    @Test func wrongKey() throws {
        let sealed = try Self.sealed(5000)
        #expect(throws: SealingError.wrongKey) { try Opener(secret: Self.otherSecret, sealed: sealed[...]) }
    }

    /// One flipped bit anywhere — a chunk's ciphertext, its tag, the header's chunk size — is an error naming
    /// the chunk, never wrong plaintext; a flipped salt reads as another key.
    @Test func flippedBits() throws {
        let sealed = try Self.sealed(3000)
        let opener = try Opener(secret: Self.secret, sealed: sealed[...])
        let stride = Self.chunkSize + 16
        for (offset, chunk) in [
            (SealedHeader.length + 3, 0), (SealedHeader.length + stride + 1030, 1), (sealed.count - 1, 2),
        ] {
            var altered = sealed
            altered[offset] ^= 0x10
            #expect(throws: SealingError.tamperedChunk(index: UInt64(chunk))) { try opener.open(altered) }
        }
        var salt = sealed
        salt[20] ^= 1
        #expect(throws: SealingError.wrongKey) { try Opener(secret: Self.secret, sealed: salt[...]).open(salt) }
        var size = sealed
        size[7] ^= 1  // chunk size 1024 → 1280: the chunks no longer authenticate
        #expect(throws: SealingError.self) { try Opener(secret: Self.secret, sealed: size[...]).open(size) }
        var magic = sealed
        magic[0] ^= 1
        #expect(throws: SealingError.notSealed) { try Opener(secret: Self.secret, sealed: magic[...]) }
    }

    /// Content cut at a chunk boundary, or inside its last chunk, or with chunks swapped, is refused.
    @Test func truncatedAndReordered() throws {
        let sealed = try Self.sealed(3000)
        let opener = try Opener(secret: Self.secret, sealed: sealed[...])
        let stride = Self.chunkSize + 16
        #expect(throws: SealingError.truncated) {
            try opener.open(Array(sealed.prefix(SealedHeader.length + 2 * stride)))
        }
        #expect(throws: SealingError.truncated) {
            try opener.open(Array(sealed.prefix(SealedHeader.length + 2 * stride + 5)))
        }
        #expect(throws: SealingError.truncated) { try opener.open(Array(sealed.prefix(SealedHeader.length))) }
        #expect(throws: SealingError.tamperedChunk(index: 2)) { try opener.open(Array(sealed.dropLast())) }
        let header = SealedHeader.length
        let swapped =
            Array(sealed[..<header]) + sealed[(header + stride)..<(header + 2 * stride)]
            + sealed[header..<(header + stride)] + sealed[(header + 2 * stride)...]
        #expect(throws: SealingError.tamperedChunk(index: 0)) { try opener.open(swapped) }
    }

    /// Salts: a drawn salt is 32 bytes; a content salt is the same for one owner and content, and differs
    /// between owners and between contents.
    @Test func salts() throws {
        var generator = SystemRandomNumberGenerator()
        #expect(SealingKey.drawSalt(using: &generator).count == 32)
        let digest = [UInt8](repeating: 1, count: 32)
        let mine = try SealingKey.contentSalt(secret: Self.secret, contentDigest: digest)
        #expect(try SealingKey.contentSalt(secret: Self.secret, contentDigest: digest) == mine)
        #expect(try SealingKey.contentSalt(secret: Self.otherSecret, contentDigest: digest) != mine)
        #expect(
            try SealingKey.contentSalt(secret: Self.secret, contentDigest: [UInt8](repeating: 2, count: 32)) != mine
        )
        #expect(throws: SealingError.self) { try Sealer(secret: [1, 2], salt: Self.salt) }
        #expect(throws: SealingError.self) { try Sealer(secret: Self.secret, salt: [1]) }
        #expect(throws: SealingError.self) { try Sealer(secret: Self.secret, salt: Self.salt, chunkSize: 0) }
    }

    /// The format, pinned by bytes computed outside OpenSSL (Python's `cryptography`: HKDF-SHA256 and AESGCM
    /// over the documented header, nonces and chunks): 40 bytes in chunks of 16.
    @Test func matchesAnIndependentImplementation() throws {
        let sealed = try Sealer(secret: Self.secret, salt: Self.salt, chunkSize: 16).seal(Self.plaintext(40))
        let expected =
            "5a5345414c0110000000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f363198a5e3936a67"
            + "2862e94cc243c32ea1d9d573cd0c2b8b75bb14defc3612679b3466c18e4d1ec703bb18af95b9e3db5158e7532b8d7bed8ef1"
            + "bc3c2361b8162bd3396a6fe347ea05e35f214a38734bfdcbd175e49efe14b0d356b191dce367ca620bf13ce04d70"
        #expect(Self.hex(sealed) == expected)
        #expect(try Opener(secret: Self.secret, sealed: sealed[...]).open(sealed) == Self.plaintext(40))
    }

    /// Content of many chunks is sealed and opened on several threads: the same bytes as on one, chunk by
    /// chunk too; a flipped bit in the second thread's run, a cut and a dropped prefix of any length behave
    /// as on one thread.
    @Test func severalThreadsSealAsOne() throws {
        let count = 100 * Self.chunkSize + 77
        let content = Self.plaintext(count)
        let sealer = try Sealer(secret: Self.secret, salt: Self.salt, chunkSize: Self.chunkSize)
        let alone = try content.withUnsafeBytes { try sealer.seal([$0], workers: 1) }
        let together = try content.withUnsafeBytes { try sealer.seal([$0], workers: 3) }
        #expect(alone == together)
        let split = try content.withUnsafeBytes { whole in
            try sealer.seal(
                [
                    UnsafeRawBufferPointer(rebasing: whole[..<1500]),
                    UnsafeRawBufferPointer(rebasing: whole[1500..<1500]),
                    UnsafeRawBufferPointer(rebasing: whole[1500...]),
                ],
                workers: 2
            )
        }
        #expect(split == alone)
        let secondChunk = try sealer.sealChunk(content[1024..<2048], index: 1, isLast: false)
        #expect(secondChunk[...] == alone[(58 + 1040)..<(58 + 2080)])
        let opener = try Opener(secret: Self.secret, sealed: alone[...])
        for workers in [1, 2, 3] {
            #expect(try opener.open(alone, dropping: 0, workers: workers) == content)
            for dropping in [1, 1023, 1024, 2500, count] {
                #expect(try opener.open(alone, dropping: dropping, workers: workers) == Array(content[dropping...]))
            }
            var altered = alone
            altered[58 + 90 * 1040 + 5] ^= 4
            #expect(throws: SealingError.tamperedChunk(index: 90)) {
                try opener.open(altered, dropping: 0, workers: workers)
            }
            #expect(throws: SealingError.truncated) {
                try opener.open(Array(alone.prefix(58 + 100 * 1040)), dropping: 0, workers: workers)
            }
        }
        #expect(throws: SealingError.truncated) { try opener.open(alone, dropping: count + 1) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
