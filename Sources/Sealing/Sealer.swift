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
    /// in place into one buffer of the sealed length.
    func seal(_ pieces: [UnsafeRawBufferPointer], workers: Int = Sealer.workers) throws(SealingError) -> [UInt8] {
        let total = pieces.reduce(0) { $0 + $1.count }
        let count = max(1, (total + header.chunkSize - 1) / header.chunkSize)
        let ciphers = try makeCiphers(workers: workers, chunks: count)
        let length = Self.sealedLength(plaintextLength: total, chunkSize: header.chunkSize)
        var sealed = false
        let output = [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            let base = UnsafeMutableRawPointer(out.baseAddress!)
            headerBytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            sealed = sealChunks(
                pieces,
                first: 0,
                count: count,
                totalChunks: count,
                ciphers: ciphers,
                into: base + SealedHeader.length
            )
            initialized = length
        }
        guard sealed else { throw .openSSLFailure("seal a chunk with AES-256-GCM") }
        return output
    }

    /// One cipher context per thread that will seal `chunks` chunks.
    func makeCiphers(workers: Int, chunks: Int) throws(SealingError) -> [ChunkCipher] {
        try (0..<max(1, min(workers, chunks / Self.chunksPerWorker))).map { _ throws(SealingError) in
            try ChunkCipher(key: key.aesKey, encrypting: true)
        }
    }

    /// Seals chunks `first ..< first + count` of content of `totalChunks` chunks, whose plaintext is the bytes
    /// of `pieces` one after the other, into `output` (where chunk `first` goes), one contiguous run of chunks
    /// per cipher, each on its own thread. False when OpenSSL refused a step.
    func sealChunks(
        _ pieces: [UnsafeRawBufferPointer],
        first: Int,
        count: Int,
        totalChunks: Int,
        ciphers: [ChunkCipher],
        into output: UnsafeMutableRawPointer
    ) -> Bool {
        let total = pieces.reduce(0) { $0 + $1.count }
        let chunkSize = header.chunkSize
        let stride = chunkSize + ChunkCipher.tagLength
        let runs = ciphers.count
        let failed = FailureFlag()
        let shared = Unchecked(value: (pieces: pieces, ciphers: ciphers, headerBytes: headerBytes))
        let base = UncheckedPointer(address: output)
        DispatchQueue.concurrentPerform(iterations: runs) { run in
            let cipher = shared.value.ciphers[run]
            for chunk in (count * run / runs)..<(count * (run + 1) / runs) {
                let start = chunk * chunkSize
                guard
                    cipher.seal(
                        Self.slices(of: shared.value.pieces, from: start, to: min(start + chunkSize, total)),
                        index: UInt64(first + chunk),
                        isLast: first + chunk == totalChunks - 1,
                        header: shared.value.headerBytes,
                        into: base.address + chunk * stride
                    )
                else { return failed.set() }
            }
        }
        return !failed.isSet
    }

    /// How many threads seal one file: the machine's two cores.
    public static let workers = 2
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
