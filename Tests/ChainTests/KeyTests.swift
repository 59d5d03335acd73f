import Chain
import Testing

struct KeyTests {
    /// A signature verifies for its message and key only, and a stored key pair loads back.
    @Test func signAndVerify() throws {
        let key = try PrivateKey.generate()
        let other = try PrivateKey.generate()
        let message = Array("handshake nonce".utf8)
        let signature = try key.sign(message)
        #expect(key.publicKey.verifies(signature, for: message))
        #expect(!key.publicKey.verifies(signature, for: Array("another message".utf8)))
        #expect(!other.publicKey.verifies(signature, for: message))
        let reloaded = try PrivateKey(secret: key.secret, publicKey: try PublicKey(bytes: key.publicKey.bytes))
        #expect(key.publicKey.verifies(try reloaded.sign(message), for: message))
        #expect(throws: KeyError.keysDoNotMatch) { try PrivateKey(secret: other.secret, publicKey: key.publicKey) }
    }

    /// Signatures are always low-S; the high-S twin of a valid signature is refused as malleable.
    @Test func signaturesAreNotMalleable() throws {
        let key = try PrivateKey.generate()
        for round in 0..<16 {
            let signature = try key.sign([UInt8(round)])
            let s = Array(signature.bytes[32...])
            #expect(s[0] < 0x80)
            // n - s is a valid ECDSA s as well, but above half the order: never accepted.
            let order = Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!
            var twin = [UInt8](repeating: 0, count: 32)
            var borrow = 0
            for index in stride(from: 31, through: 0, by: -1) {
                var digit = Int(order[index]) - Int(s[index]) - borrow
                borrow = digit < 0 ? 1 : 0
                if digit < 0 { digit += 256 }
                twin[index] = UInt8(digit)
            }
            #expect(Signature(bytes: Array(signature.bytes[..<32]) + twin) == nil)
        }
    }

    /// Public keys must be compressed points on the curve.
    @Test func rejectsBadPublicKeys() throws {
        #expect(throws: KeyError.invalidPublicKey) { try PublicKey(bytes: [UInt8](repeating: 2, count: 32)) }
        #expect(throws: KeyError.invalidPublicKey) { try PublicKey(bytes: [4] + [UInt8](repeating: 1, count: 32)) }
        // x = 5 is not the x-coordinate of any point on secp256k1 (x^3 + 7 = 132 is not a square mod p).
        #expect(throws: KeyError.invalidPublicKey) {
            try PublicKey(bytes: [2] + [UInt8](repeating: 0, count: 31) + [5])
        }
    }
}
