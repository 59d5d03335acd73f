/// A private file as it leaves the owner: its name and content sealed together (so holders see neither), under
/// a neutral name derived from the salt. The sealed plaintext is `u16 name length (big-endian) ‖ name ‖
/// content`. The salt is derived from the owner's secret and the digest of name and content, so the same owner
/// sealing the same file twice gets the same ciphertext (deduplication per owner only).
public enum PrivateFile {
    /// How the name of a sealed file ends.
    public static let sealedExtension = ".zseal"
    static let maximumNameLength = 4096

    /// The sealed bytes of the file `name` with `content`, and the neutral name to store them under;
    /// `digest` is a digest of `name` and `content` (the caller's SHA-256, e.g. `PrivateFile.digest`).
    public static func seal(
        name: String,
        content: [UInt8],
        digest: [UInt8],
        secret: [UInt8]
    ) throws(SealingError) -> (name: String, bytes: [UInt8]) {
        let (prefix, salt) = try start(name: name, digest: digest, secret: secret)
        let sealer = try Sealer(secret: secret, salt: salt)
        // Sealed as two pieces, so the content is never copied behind its name first.
        let sealed = prefix.withUnsafeBytes { name in
            content.withUnsafeBytes { body in Result { () throws(SealingError) in try sealer.seal([name, body]) } }
        }
        return (sealedName(salt: salt), try sealed.get())
    }

    /// Seals the file `name` of `contentLength` bytes block by block in a few MiB of memory, whatever its size:
    /// `read` fills the buffer it is given with the next bytes of content and returns how many (0 at the
    /// end), `write` takes the sealed bytes in order. The bytes written are those `seal(name:content:…)` gives;
    /// returns the neutral name. Throws `.badParameter` when the content's length is not `contentLength`.
    public static func seal(
        name: String,
        contentLength: Int,
        digest: [UInt8],
        secret: [UInt8],
        read: (UnsafeMutableRawBufferPointer) throws -> Int,
        write: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> String {
        let (prefix, salt) = try start(name: name, digest: digest, secret: secret)
        let blocks = try BlockSealer(
            sealer: try Sealer(secret: secret, salt: salt),
            plaintextLength: prefix.count + contentLength
        )
        let header = blocks.header
        try header.withUnsafeBytes { bytes in try write(bytes) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blocks.blockLength, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = prefix.count + contentLength
        var filled = prefix.withUnsafeBytes { bytes in
            buffer.copyMemory(from: bytes)
            return bytes.count
        }
        repeat {
            let wanted = min(blocks.blockLength, remaining)
            while filled < wanted {
                let count = try read(UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<wanted]))
                guard count > 0 else {
                    throw SealingError.badParameter("the content ended before its \(contentLength) bytes")
                }
                filled += count
            }
            try write(try blocks.seal(UnsafeRawBufferPointer(rebasing: buffer[..<wanted])))
            remaining -= wanted
            filled = 0
        } while remaining > 0
        let extra = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
        defer { extra.deallocate() }
        guard try read(extra) == 0 else {
            throw SealingError.badParameter("the content is longer than its \(contentLength) bytes")
        }
        return sealedName(salt: salt)
    }

    /// A digest of a file's name and content for `seal`: SHA-256 of the name, a zero byte and the content,
    /// fed in pieces by `feed` (which calls the function it is given with each piece of content in order).
    public static func digest(
        name: String,
        feed: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> [UInt8] {
        let digest = try ContentDigest()
        let head = Array(name.utf8) + [0]
        try head.withUnsafeBytes { bytes in try update(digest, bytes) }
        try feed { bytes in try update(digest, bytes) }
        return try digest.finish()
    }

    private static func update(_ digest: ContentDigest, _ bytes: UnsafeRawBufferPointer) throws {
        try digest.update(bytes)
    }

    /// The plaintext in front of the content (`u16 name length ‖ name`) and the file's salt.
    static func start(
        name: String,
        digest: [UInt8],
        secret: [UInt8]
    ) throws(SealingError) -> (prefix: [UInt8], salt: [UInt8]) {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.count <= maximumNameLength else {
            throw .badParameter("a file name of \(nameBytes.count) bytes (1 to \(maximumNameLength))")
        }
        let salt = try SealingKey.contentSalt(secret: secret, contentDigest: digest)
        return ([UInt8(nameBytes.count >> 8), UInt8(nameBytes.count & 0xff)] + nameBytes, salt)
    }

    static func sealedName(salt: [UInt8]) -> String {
        "private-\(salt.prefix(8).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined())\(sealedExtension)"
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
