/// The 58 bytes in front of sealed content: `"ZSEAL"`, the format version (1), the chunk size (4 bytes,
/// little-endian), the file's salt (32) and the key check (16). Every chunk authenticates the whole header.
public struct SealedHeader: Hashable, Sendable {
    static let magic = Array("ZSEAL".utf8)
    static let version: UInt8 = 1
    public static let length = 5 + 1 + 4 + SealingKey.saltLength + SealingKey.checkLength
    /// The default chunk: 64 KiB of plaintext, 16 bytes of tag each.
    public static let standardChunkSize = 64 << 10
    public static let maximumChunkSize = 16 << 20

    public let chunkSize: Int
    public let salt: [UInt8]
    let check: [UInt8]

    init(chunkSize: Int, salt: [UInt8], check: [UInt8]) {
        self.chunkSize = chunkSize
        self.salt = salt
        self.check = check
    }

    /// Reads a header from the first `length` bytes of `bytes`.
    public init(parsing bytes: ArraySlice<UInt8>) throws(SealingError) {
        guard bytes.count >= Self.length, bytes.prefix(5).elementsEqual(Self.magic) else { throw .notSealed }
        let start = bytes.startIndex
        let version = bytes[start + 5]
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let size = bytes[start + 6..<start + 10].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard size > 0, size <= Self.maximumChunkSize else { throw .notSealed }
        chunkSize = size
        salt = Array(bytes[start + 10..<start + 10 + SealingKey.saltLength])
        check = Array(bytes[start + 10 + SealingKey.saltLength..<start + Self.length])
    }

    public var bytes: [UInt8] {
        var bytes = Self.magic + [Self.version]
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: chunkSize >> shift)) }
        return bytes + salt + check
    }
}
