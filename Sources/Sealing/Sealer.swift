/// Seals a file's content: a `SealedHeader`, then the plaintext in chunks of `chunkSize` bytes (the last may
/// be shorter, and empty content is one empty chunk), each followed by its 16-byte GCM tag. Chunk `i` starts
/// at `SealedHeader.length + i × (chunkSize + 16)`, so a reader can open any chunk alone.
public struct Sealer: Sendable {
    public let header: SealedHeader
    let key: SealingKey
    let headerBytes: [UInt8]

    /// A sealer for the content sealed with `salt` (see `SealingKey.drawSalt` and `SealingKey.contentSalt`).
    public init(
        secret: [UInt8],
        salt: [UInt8],
        chunkSize: Int = SealedHeader.standardChunkSize
    ) throws(SealingError) {
        guard chunkSize > 0, chunkSize <= SealedHeader.maximumChunkSize else {
            throw .badParameter("a chunk of \(chunkSize) bytes (1 byte to 16 MiB)")
        }
        key = try SealingKey(secret: secret, salt: salt)
        header = SealedHeader(chunkSize: chunkSize, salt: salt, check: key.check)
        headerBytes = header.bytes
    }

    /// Chunk `index` sealed; `isLast` must be true for the final chunk and only for it.
    public func sealChunk(_ plaintext: ArraySlice<UInt8>, index: UInt64, isLast: Bool) throws(SealingError) -> [UInt8] {
        guard plaintext.count <= header.chunkSize, isLast || plaintext.count == header.chunkSize else {
            throw .badParameter(
                "chunk \(index) has \(plaintext.count) bytes; all but the last have \(header.chunkSize)"
            )
        }
        return try ChunkCipher.seal(
            plaintext,
            key: key.aesKey,
            nonce: ChunkCipher.nonce(index: index, isLast: isLast),
            header: headerBytes
        )
    }

    /// The whole sealed content of `plaintext`.
    public func seal(_ plaintext: [UInt8]) throws(SealingError) -> [UInt8] {
        let chunkSize = header.chunkSize
        let count = max(1, (plaintext.count + chunkSize - 1) / chunkSize)
        var output = headerBytes
        output.reserveCapacity(Self.sealedLength(plaintextLength: plaintext.count, chunkSize: chunkSize))
        for index in 0..<count {
            let start = index * chunkSize
            let chunk = plaintext[start..<min(start + chunkSize, plaintext.count)]
            output += try sealChunk(chunk, index: UInt64(index), isLast: index == count - 1)
        }
        return output
    }

    /// The length of sealed content: the header, the plaintext, and 16 bytes per chunk.
    public static func sealedLength(plaintextLength: Int, chunkSize: Int) -> Int {
        let chunks = max(1, (plaintextLength + chunkSize - 1) / chunkSize)
        return SealedHeader.length + plaintextLength + chunks * ChunkCipher.tagLength
    }
}
