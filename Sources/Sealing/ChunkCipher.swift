import COpenSSL

/// AES-256-GCM over the chunks of one file. The 12-byte nonce is the chunk's number (8 bytes, big-endian),
/// three zero bytes and a last-chunk flag, so within one key no nonce repeats, chunks cannot be reordered, and
/// a stream cut at a chunk boundary is detected; the header is the associated data.
///
/// One OpenSSL context is keyed once and reused for every chunk (only the nonce changes), and chunks are sealed
/// and opened in place into the caller's buffer: setting up a context and a key schedule per chunk, and
/// allocating an array per chunk, cost more than AES-GCM itself on 64 KiB chunks. Not for sharing between
/// threads: each worker makes its own.
final class ChunkCipher {
    static let tagLength = 16
    static let nonceLength = 12

    private let context: OpaquePointer
    private let encrypting: Bool

    init(key: [UInt8], encrypting: Bool) throws(SealingError) {
        guard let context = EVP_CIPHER_CTX_new() else { throw .openSSLFailure("create a cipher context") }
        guard EVP_CipherInit_ex2(context, EVP_aes_256_gcm(), key, nil, encrypting ? 1 : 0, nil) == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .openSSLFailure("set up AES-256-GCM with the file's key")
        }
        self.context = context
        self.encrypting = encrypting
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    static func nonce(index: UInt64, isLast: Bool) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: index >> (8 * (7 - UInt64($0)))) } + [0, 0, 0, isLast ? 1 : 0]
    }

    /// Seals the bytes of `pieces` taken one after the other (a chunk may span pieces) into `output`: the
    /// ciphertext, then its 16-byte tag. `output` has room for the pieces' bytes and the tag. False when
    /// OpenSSL refused a step.
    func seal(
        _ pieces: [UnsafeRawBufferPointer],
        index: UInt64,
        isLast: Bool,
        header: [UInt8],
        into output: UnsafeMutableRawPointer
    ) -> Bool {
        guard start(index: index, isLast: isLast, header: header) else { return false }
        var written = 0
        for piece in pieces where !piece.isEmpty {
            var length: Int32 = 0
            guard
                EVP_EncryptUpdate(
                    context,
                    (output + written).assumingMemoryBound(to: UInt8.self),
                    &length,
                    piece.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    Int32(piece.count)
                ) == 1
            else { return false }
            written += Int(length)
        }
        var tail: Int32 = 0
        let end = (output + written).assumingMemoryBound(to: UInt8.self)
        return EVP_EncryptFinal_ex(context, end, &tail) == 1
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagLength), end + Int(tail)) == 1
    }

    /// Opens one sealed chunk (ciphertext and tag) into `output`, which has room for the ciphertext. Nil when
    /// OpenSSL refused a step; false when the tag does not verify (then `output` is zeroed: no unverified
    /// plaintext is left behind).
    func open(
        _ sealed: UnsafeRawBufferPointer,
        index: UInt64,
        isLast: Bool,
        header: [UInt8],
        into output: UnsafeMutableRawPointer
    ) -> Bool? {
        guard sealed.count >= Self.tagLength else { return false }
        let textLength = sealed.count - Self.tagLength
        guard start(index: index, isLast: isLast, header: header) else { return nil }
        let out = output.assumingMemoryBound(to: UInt8.self)
        var length: Int32 = 0
        if textLength > 0 {
            guard
                EVP_DecryptUpdate(
                    context,
                    out,
                    &length,
                    sealed.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    Int32(textLength)
                ) == 1
            else { return nil }
        }
        let tag = UnsafeMutableRawPointer(mutating: sealed.baseAddress! + textLength)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagLength), tag) == 1 else {
            return nil
        }
        // GCM's final writes nothing; a scratch byte gives it an address even for an empty chunk.
        var scratch: UInt8 = 0
        var tail: Int32 = 0
        guard EVP_DecryptFinal_ex(context, &scratch, &tail) == 1 else {
            output.initializeMemory(as: UInt8.self, repeating: 0, count: textLength)
            return false
        }
        return true
    }

    /// Sets the chunk's nonce (the key stays) and feeds the header as associated data.
    private func start(index: UInt64, isLast: Bool, header: [UInt8]) -> Bool {
        var nonce: (UInt64, UInt32) = (index.bigEndian, UInt32(isLast ? 1 : 0).bigEndian)
        var length: Int32 = 0
        return withUnsafeBytes(of: &nonce) { bytes in
            EVP_CipherInit_ex2(
                context,
                nil,
                nil,
                bytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
                encrypting ? 1 : 0,
                nil
            ) == 1
        } && EVP_CipherUpdate(context, nil, &length, header, Int32(header.count)) == 1
    }
}
