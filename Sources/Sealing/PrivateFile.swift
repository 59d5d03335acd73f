/// A private file as it leaves the owner: its name and content sealed together (so holders see neither), under
/// a neutral name derived from the salt. The sealed plaintext is `u16 name length (big-endian) ‖ name ‖
/// content`. The salt is derived from the owner's secret and the digest of name and content, so the same owner
/// sealing the same file twice gets the same ciphertext (deduplication per owner only).
public enum PrivateFile {
    /// How the name of a sealed file ends.
    public static let sealedExtension = ".zseal"
    static let maximumNameLength = 4096

    /// The sealed bytes of the file `name` with `content`, and the neutral name to store them under;
    /// `digest` is a digest of `name` and `content` (the caller's SHA-256).
    public static func seal(
        name: String,
        content: [UInt8],
        digest: [UInt8],
        secret: [UInt8]
    ) throws(SealingError) -> (name: String, bytes: [UInt8]) {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.count <= maximumNameLength else {
            throw .badParameter("a file name of \(nameBytes.count) bytes (1 to \(maximumNameLength))")
        }
        let salt = try SealingKey.contentSalt(secret: secret, contentDigest: digest)
        let sealer = try Sealer(secret: secret, salt: salt)
        let prefix = [UInt8(nameBytes.count >> 8), UInt8(nameBytes.count & 0xff)] + nameBytes
        let hex = salt.prefix(8).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
        // Sealed as two pieces, so the content is never copied behind its name first.
        let sealed = prefix.withUnsafeBytes { name in
            content.withUnsafeBytes { body in Result { () throws(SealingError) in try sealer.seal([name, body]) } }
        }
        return ("private-\(hex)\(sealedExtension)", try sealed.get())
    }

    /// The original name and content of sealed bytes; throws `.wrongKey` for another owner's file, and
    /// `.tamperedChunk` or `.truncated` for altered bytes, never returning wrong plaintext.
    public static func open(_ sealed: [UInt8], secret: [UInt8]) throws(SealingError) -> (name: String, content: [UInt8])
    {
        let opener = try Opener(secret: secret, sealed: sealed[...])
        // The name first, from the chunks it lies in; then the content alone, opened straight into its buffer.
        var prefix = try opener.openPrefix(sealed, length: 2)
        guard prefix.count >= 2 else { throw .truncated }
        let length = Int(prefix[0]) << 8 | Int(prefix[1])
        guard length > 0 else { throw .unreadableName }
        prefix = try opener.openPrefix(sealed, length: 2 + length)
        guard prefix.count >= 2 + length,
            let name = String(validating: prefix[2..<2 + length], as: UTF8.self), !name.contains("/")
        else { throw .unreadableName }
        return (name, try opener.open(sealed, dropping: 2 + length))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
