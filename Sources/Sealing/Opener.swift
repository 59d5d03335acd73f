/// Opens sealed content with the wallet's secret: whole, or chunk by chunk (a mount reading at an offset).
public struct Opener: Sendable {
    public let header: SealedHeader
    let key: SealingKey
    let headerBytes: [UInt8]

    /// Reads the header at the start of `sealed` and checks that `secret` is the key's; throws `.wrongKey`
    /// otherwise, before any chunk is opened.
    public init(secret: [UInt8], sealed: ArraySlice<UInt8>) throws(SealingError) {
        header = try SealedHeader(parsing: sealed)
        key = try SealingKey(secret: secret, salt: header.salt)
        var difference: UInt8 = 0
        for (a, b) in zip(key.check, header.check) { difference |= a ^ b }
        guard difference == 0 else { throw .wrongKey }
        headerBytes = header.bytes
    }

    /// The plaintext of chunk `index` from its sealed bytes (ciphertext and tag).
    public func openChunk(_ sealed: ArraySlice<UInt8>, index: UInt64, isLast: Bool) throws(SealingError) -> [UInt8] {
        guard sealed.count <= header.chunkSize + ChunkCipher.tagLength else { throw .tamperedChunk(index: index) }
        let opened = try ChunkCipher.open(
            sealed,
            key: key.aesKey,
            nonce: ChunkCipher.nonce(index: index, isLast: isLast),
            header: headerBytes
        )
        guard let opened else { throw .tamperedChunk(index: index) }
        return opened
    }

    /// The whole plaintext of `sealed` (header included, as `Sealer.seal` wrote it).
    public func open(_ sealed: [UInt8]) throws(SealingError) -> [UInt8] {
        let stride = header.chunkSize + ChunkCipher.tagLength
        let body = sealed.count - SealedHeader.length
        guard body >= ChunkCipher.tagLength else { throw .truncated }
        let count = (body + stride - 1) / stride
        guard body - (count - 1) * stride >= ChunkCipher.tagLength else { throw .truncated }
        var plaintext: [UInt8] = []
        plaintext.reserveCapacity(body - count * ChunkCipher.tagLength)
        for index in 0..<count {
            let start = SealedHeader.length + index * stride
            let chunk = sealed[start..<min(start + stride, sealed.count)]
            let isLast = index == count - 1
            do {
                plaintext += try openChunk(chunk, index: UInt64(index), isLast: isLast)
            } catch .tamperedChunk where isLast && chunk.count == stride {
                // A full chunk sealed as not the last: the content was cut after it.
                if (try? openChunk(chunk, index: UInt64(index), isLast: false)) != nil { throw .truncated }
                throw .tamperedChunk(index: UInt64(index))
            }
        }
        return plaintext
    }
}
