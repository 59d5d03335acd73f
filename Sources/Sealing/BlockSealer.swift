/// Seals content of a known length block by block into one reused buffer, so a file of any size is sealed
/// in a few MiB of memory and no page of a fresh output buffer is faulted in per file: write `header`, then
/// pass the plaintext in blocks of `blockLength` bytes (the last block holds what remains) and write what each
/// `seal` returns. The bytes are exactly those `Sealer.seal` gives for the whole content.
public final class BlockSealer {
    /// Chunks per block: 4 MiB of plaintext with the standard chunk.
    public static let chunksPerBlock = 64

    /// The sealed header, to write before the first block.
    public let header: [UInt8]
    /// Plaintext bytes per block (all blocks but the last).
    public let blockLength: Int
    private let sealer: Sealer
    private let ciphers: [ChunkCipher]
    private let totalChunks: Int
    private var nextChunk = 0
    private var remaining: Int
    private let output: UnsafeMutableRawBufferPointer

    /// A sealer for `plaintextLength` bytes of content.
    public init(sealer: Sealer, plaintextLength: Int, workers: Int = Sealer.workers) throws(SealingError) {
        guard plaintextLength >= 0 else { throw .badParameter("content of \(plaintextLength) bytes") }
        let chunkSize = sealer.header.chunkSize
        self.sealer = sealer
        header = sealer.headerBytes
        blockLength = chunkSize * Self.chunksPerBlock
        totalChunks = max(1, (plaintextLength + chunkSize - 1) / chunkSize)
        remaining = plaintextLength
        ciphers = try sealer.makeCiphers(workers: workers, chunks: min(totalChunks, Self.chunksPerBlock))
        output = .allocate(
            byteCount: Self.chunksPerBlock * (chunkSize + ChunkCipher.tagLength),
            alignment: 16
        )
    }

    deinit { output.deallocate() }

    /// The next block sealed: `block` has `blockLength` bytes, or all that remains at the end (an empty block
    /// for empty content). The bytes returned stay valid until the next call.
    public func seal(_ block: UnsafeRawBufferPointer) throws(SealingError) -> UnsafeRawBufferPointer {
        guard nextChunk < totalChunks, block.count == min(blockLength, remaining) else {
            throw .badParameter(
                "a block of \(block.count) bytes where \(min(blockLength, remaining)) remain to be sealed"
            )
        }
        let chunkSize = sealer.header.chunkSize
        let count = max(1, (block.count + chunkSize - 1) / chunkSize)
        guard
            sealer.sealChunks(
                [block],
                first: nextChunk,
                count: count,
                totalChunks: totalChunks,
                ciphers: ciphers,
                into: output.baseAddress!
            )
        else { throw .openSSLFailure("seal a chunk with AES-256-GCM") }
        nextChunk += count
        remaining -= block.count
        return UnsafeRawBufferPointer(rebasing: output[..<(block.count + count * ChunkCipher.tagLength)])
    }
}
