import Chain
import Testing

struct IdentityTests {
    /// Compact targets expand as Bitcoin's do.
    @Test func compactTargets() throws {
        let genesis = try #require(CompactTarget(bits: 0x1d00_ffff))
        #expect(Hex.encode(genesis.expanded) == "00000000ffff0000000000000000000000000000000000000000000000000000")
        #expect(CompactTarget(bits: 0x0180_0000) == nil)  // negative
        #expect(CompactTarget(bits: 0x2200_ffff) == nil)  // overflows 256 bits
        #expect(CompactTarget(bits: 0x1d00_0000) == nil)  // zero
    }

    /// A hash meets a target when, read little-endian, it is at most the target.
    @Test func targetComparison() throws {
        let target = try #require(CompactTarget(bits: 0x2000_ffff))  // 0x00ffff00…00
        var low = [UInt8](repeating: 0, count: 32)
        low[31] = 0x00
        low[30] = 0xff
        #expect(target.isMet(by: Hash256(bytes: low)!))
        var high = [UInt8](repeating: 0, count: 32)
        high[31] = 0x01
        #expect(!target.isMet(by: Hash256(bytes: high)!))
    }

    /// Mining finds a nonce that meets the development target, and the identity checks; a changed nonce or key
    /// almost never does.
    @Test func miningAndChecking() throws {
        let key = try PrivateKey.generate()
        let target = NetworkParameters.development.nodeIdentityTarget
        let identity = try #require(MinedIdentity.mine(publicKey: key.publicKey, target: target, attempts: 1 << 20))
        #expect(identity.meets(target))
        let strict = try #require(CompactTarget(bits: 0x0300_0001))
        #expect(!identity.meets(strict))
        #expect(MinedIdentity.mine(publicKey: key.publicKey, target: strict, attempts: 1000) == nil)
    }
}
