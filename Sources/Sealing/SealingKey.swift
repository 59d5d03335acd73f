/// The key that seals one file: HKDF-SHA256 of the wallet's secret with the file's salt, giving a 32-byte
/// AES-256 key and a 16-byte check kept in the header, so a wrong key is told apart from altered content
/// (and no second key opens the same header, whatever GCM alone would allow).
public struct SealingKey: Sendable {
    static let info = Array("zenfs sealing v1 content key".utf8)
    static let saltInfo = Array("zenfs sealing v1 content salt".utf8)
    public static let saltLength = 32
    static let checkLength = 16

    let aesKey: [UInt8]
    let check: [UInt8]

    /// The key of the file sealed with `salt` by the holder of `secret` (the wallet's private key bytes).
    public init(secret: [UInt8], salt: [UInt8]) throws(SealingError) {
        guard secret.count >= 16 else { throw .badParameter("a secret of \(secret.count) bytes (16 at least)") }
        guard salt.count == Self.saltLength else { throw .badParameter("a salt of \(salt.count) bytes, not 32") }
        let derived = try HKDF.sha256(secret: secret, salt: salt, info: Self.info, length: 32 + Self.checkLength)
        aesKey = Array(derived[0..<32])
        check = Array(derived[32...])
    }

    /// A fresh salt from the caller's generator (the node passes the system's): a new one for every version
    /// sealed, since a salt and key used for two different contents would reuse GCM nonces.
    public static func drawSalt(using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var salt: [UInt8] = []
        while salt.count < saltLength {
            withUnsafeBytes(of: generator.next()) { salt.append(contentsOf: $0) }
        }
        return salt
    }

    /// The salt for content whose digest is `contentDigest`, derived from the wallet's secret: the same owner
    /// sealing the same bytes gets the same ciphertext (deduplication within one owner's files), two owners
    /// never do, and different contents never share a salt.
    public static func contentSalt(secret: [UInt8], contentDigest: [UInt8]) throws(SealingError) -> [UInt8] {
        try HKDF.sha256(secret: secret, salt: contentDigest, info: saltInfo, length: saltLength)
    }
}
