import Dispatch

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
        let cipher = try ChunkCipher(key: key.aesKey, encrypting: true)
        var sealed = true
        let output = [UInt8](unsafeUninitializedCapacity: plaintext.count + ChunkCipher.tagLength) { out, count in
            sealed = plaintext.withUnsafeBytes { input in
                cipher.seal([input], index: index, isLast: isLast, header: headerBytes, into: out.baseAddress!)
            }
            count = out.count
        }
        guard sealed else { throw .openSSLFailure("seal a chunk with AES-256-GCM") }
        return output
    }

    /// The whole sealed content of `plaintext`.
    public func seal(_ plaintext: [UInt8]) throws(SealingError) -> [UInt8] {
        let sealed = plaintext.withUnsafeBytes { content in
            Result { () throws(SealingError) in try seal([content]) }
        }
        return try sealed.get()
    }

    /// The whole sealed content of the bytes of `pieces` taken one after the other (so a prefix such as a
    /// private file's name is sealed with the content without first copying both into one buffer). Written
    /// in place into one buffer of the sealed length, on up to `workers` threads, each with its own cipher
    /// context over a contiguous run of chunks.
    func seal(_ pieces: [UnsafeRawBufferPointer], workers: Int = Sealer.workers) throws(SealingError) -> [UInt8] {
        let total = pieces.reduce(0) { $0 + $1.count }
        let chunkSize = header.chunkSize
        let count = max(1, (total + chunkSize - 1) / chunkSize)
        let runs = max(1, min(workers, count / Self.chunksPerWorker))
        let ciphers = Unchecked(
            value: try (0..<runs).map { _ throws(SealingError) in
                try ChunkCipher(key: key.aesKey, encrypting: true)
            }
        )
        let pieces = Unchecked(value: pieces)
        let headerBytes = headerBytes
        let stride = chunkSize + ChunkCipher.tagLength
        let length = Self.sealedLength(plaintextLength: total, chunkSize: chunkSize)
        let failed = FailureFlag()
        let output = [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            let base = UncheckedPointer(address: UnsafeMutableRawPointer(out.baseAddress!))
            headerBytes.withUnsafeBytes { base.address.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            DispatchQueue.concurrentPerform(iterations: runs) { run in
                let cipher = ciphers.value[run]
                for index in (count * run / runs)..<(count * (run + 1) / runs) {
                    let start = index * chunkSize
                    let end = min(start + chunkSize, total)
                    guard
                        cipher.seal(
                            Self.slices(of: pieces.value, from: start, to: end),
                            index: UInt64(index),
                            isLast: index == count - 1,
                            header: headerBytes,
                            into: base.address + SealedHeader.length + index * stride
                        )
                    else { return failed.set() }
                }
            }
            initialized = length
        }
        guard !failed.isSet else { throw .openSSLFailure("seal a chunk with AES-256-GCM") }
        return output
    }

    /// How many threads seal one file: the machine's two cores.
    static let workers = 2
    /// A thread is worth starting for at least this many chunks.
    static let chunksPerWorker = 16

    /// The parts of `pieces` (taken one after the other) between byte `start` and byte `end`.
    static func slices(of pieces: [UnsafeRawBufferPointer], from start: Int, to end: Int) -> [UnsafeRawBufferPointer] {
        var slices: [UnsafeRawBufferPointer] = []
        var offset = 0
        for piece in pieces {
            let low = max(start, offset)
            let high = min(end, offset + piece.count)
            if low < high { slices.append(UnsafeRawBufferPointer(rebasing: piece[(low - offset)..<(high - offset)])) }
            offset += piece.count
            if offset >= end { break }
        }
        return slices
    }

    /// The length of sealed content: the header, the plaintext, and 16 bytes per chunk.
    public static func sealedLength(plaintextLength: Int, chunkSize: Int) -> Int {
        let chunks = max(1, (plaintextLength + chunkSize - 1) / chunkSize)
        return SealedHeader.length + plaintextLength + chunks * ChunkCipher.tagLength
    }
}
