import Dispatch
import Synchronization

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
        guard sealed.count <= header.chunkSize + ChunkCipher.tagLength, sealed.count >= ChunkCipher.tagLength else {
            throw .tamperedChunk(index: index)
        }
        let cipher = try ChunkCipher(key: key.aesKey, encrypting: false)
        var opened: Bool? = false
        // One byte more than the text, so an empty chunk has an address to open into.
        var plaintext = [UInt8](repeating: 0, count: sealed.count - ChunkCipher.tagLength + 1)
        plaintext.withUnsafeMutableBytes { out in
            opened = sealed.withUnsafeBytes { input in
                cipher.open(input, index: index, isLast: isLast, header: headerBytes, into: out.baseAddress!)
            }
        }
        guard let opened else { throw .openSSLFailure("open a chunk with AES-256-GCM") }
        guard opened else { throw .tamperedChunk(index: index) }
        plaintext.removeLast()
        return plaintext
    }

    /// The whole plaintext of `sealed` (header included, as `Sealer.seal` wrote it).
    public func open(_ sealed: [UInt8]) throws(SealingError) -> [UInt8] {
        try open(sealed, dropping: 0)
    }

    /// At least the first `length` bytes of the plaintext of `sealed` (fewer when it has fewer): only the chunks
    /// they fall in are opened, each verified.
    func openPrefix(_ sealed: [UInt8], length: Int) throws(SealingError) -> [UInt8] {
        let stride = header.chunkSize + ChunkCipher.tagLength
        let body = sealed.count - SealedHeader.length
        guard body >= ChunkCipher.tagLength else { throw .truncated }
        let count = (body + stride - 1) / stride
        var prefix: [UInt8] = []
        var index = 0
        while prefix.count < length, index < count {
            let start = SealedHeader.length + index * stride
            prefix += try openChunk(
                sealed[start..<min(start + stride, sealed.count)],
                index: UInt64(index),
                isLast: index == count - 1
            )
            index += 1
        }
        return prefix
    }

    /// The plaintext of `sealed` without its first `dropping` bytes, opened in place into one buffer on up to
    /// `workers` threads (each with its own cipher context over a contiguous run of chunks). Nothing is
    /// returned unless every chunk's tag verified.
    func open(_ sealed: [UInt8], dropping: Int, workers: Int = Sealer.workers) throws(SealingError) -> [UInt8] {
        let stride = header.chunkSize + ChunkCipher.tagLength
        let body = sealed.count - SealedHeader.length
        guard body >= ChunkCipher.tagLength else { throw .truncated }
        let count = (body + stride - 1) / stride
        guard body - (count - 1) * stride >= ChunkCipher.tagLength else { throw .truncated }
        let textLength = body - count * ChunkCipher.tagLength
        guard dropping <= textLength else { throw .truncated }
        let runs = max(1, min(workers, count / Sealer.chunksPerWorker))
        let ciphers = Unchecked(
            value: try (0..<runs).map { _ throws(SealingError) in
                try ChunkCipher(key: key.aesKey, encrypting: false)
            }
        )
        // The first chunk whose tag did not verify.
        let firstBad = Mutex<Int?>(nil)
        let openSSLFailed = FailureFlag()
        let chunkSize = header.chunkSize
        let headerBytes = headerBytes
        let length = textLength - dropping
        let plaintext = [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            let base = out.baseAddress.map { UncheckedPointer(address: UnsafeMutableRawPointer($0)) }
            sealed.withUnsafeBytes { whole in
                let input = Unchecked(value: whole)
                DispatchQueue.concurrentPerform(iterations: runs) { run in
                    let cipher = ciphers.value[run]
                    for index in (count * run / runs)..<(count * (run + 1) / runs) {
                        let start = SealedHeader.length + index * stride
                        let chunk = UnsafeRawBufferPointer(
                            rebasing: input.value[start..<min(start + stride, input.value.count)]
                        )
                        let textStart = index * chunkSize
                        let opened: Bool?
                        if let base, textStart >= dropping {
                            opened = cipher.open(
                                chunk,
                                index: UInt64(index),
                                isLast: index == count - 1,
                                header: headerBytes,
                                into: base.address + (textStart - dropping)
                            )
                        } else {
                            // A chunk that starts in the dropped bytes: opened aside, its kept tail copied.
                            opened = withUnsafeTemporaryAllocation(byteCount: chunkSize + 1, alignment: 16) {
                                scratch in
                                let result = cipher.open(
                                    chunk,
                                    index: UInt64(index),
                                    isLast: index == count - 1,
                                    header: headerBytes,
                                    into: scratch.baseAddress!
                                )
                                let skipped = max(0, dropping - textStart)
                                let kept = chunk.count - ChunkCipher.tagLength - skipped
                                if result == true, let base, kept > 0 {
                                    base.address.copyMemory(from: scratch.baseAddress! + skipped, byteCount: kept)
                                }
                                return result
                            }
                        }
                        switch opened {
                        case true?: continue
                        case false?: firstBad.withLock { $0 = min($0 ?? index, index) }
                        case nil: openSSLFailed.set()
                        }
                        return
                    }
                }
            }
            initialized = length
        }
        guard !openSSLFailed.isSet else { throw .openSSLFailure("open a chunk with AES-256-GCM") }
        if let index = firstBad.withLock({ $0 }) {
            let start = SealedHeader.length + index * stride
            let chunk = sealed[start..<min(start + stride, sealed.count)]
            // A full chunk sealed as not the last: the content was cut after it.
            if index == count - 1, chunk.count == stride,
                (try? openChunk(chunk, index: UInt64(index), isLast: false)) != nil
            {
                throw .truncated
            }
            throw .tamperedChunk(index: UInt64(index))
        }
        return plaintext
    }
}
