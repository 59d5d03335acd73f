/// A public key with a nonce whose hash meets an identity target: the RFC's mined identity, which makes
/// creating many identities costly.
public struct MinedIdentity: Hashable, Sendable {
    /// The identity's key.
    public let publicKey: PublicKey
    /// The nonce found by mining.
    public let nonce: UInt64

    public init(publicKey: PublicKey, nonce: UInt64) {
        self.publicKey = publicKey
        self.nonce = nonce
    }

    /// SHA-256d of the key followed by the nonce (little-endian): what the target judges.
    public var hash: Hash256 { Self.hash(publicKey: publicKey, nonce: nonce) }

    /// True when the identity's hash meets `target`.
    public func meets(_ target: CompactTarget) -> Bool { target.isMet(by: hash) }

    /// Tries `attempts` nonces from `firstNonce` on and returns the first that meets `target`.
    public static func mine(
        publicKey: PublicKey,
        target: CompactTarget,
        firstNonce: UInt64 = 0,
        attempts: UInt64 = .max
    ) -> MinedIdentity? {
        let hasher = DoubleSHA256()
        var input = publicKey.bytes + [UInt8](repeating: 0, count: 8)
        var nonce = firstNonce
        var tried: UInt64 = 0
        while tried < attempts {
            for index in 0..<8 {
                input[PublicKey.byteCount + index] = UInt8(truncatingIfNeeded: nonce >> (8 * UInt64(index)))
            }
            input.withUnsafeBytes { hasher.hash($0) }
            if hasher.digestMeets(target.expanded) { return MinedIdentity(publicKey: publicKey, nonce: nonce) }
            nonce &+= 1
            tried += 1
        }
        return nil
    }

    private static func hash(publicKey: PublicKey, nonce: UInt64) -> Hash256 {
        var writer = CanonicalWriter(capacity: 41)
        writer.writeFixed(publicKey.bytes)
        writer.write(nonce)
        return Hash256.sha256d(writer.bytes)
    }
}
