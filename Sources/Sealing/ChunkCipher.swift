import COpenSSL

/// AES-256-GCM over one chunk. The 12-byte nonce is the chunk's number (8 bytes, big-endian), three zero
/// bytes and a last-chunk flag, so within one key no nonce repeats, chunks cannot be reordered, and a stream
/// cut at a chunk boundary is detected; the header is the associated data.
enum ChunkCipher {
    static let tagLength = 16

    static func nonce(index: UInt64, isLast: Bool) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: index >> (8 * (7 - UInt64($0)))) } + [0, 0, 0, isLast ? 1 : 0]
    }

    /// The ciphertext followed by its 16-byte tag.
    static func seal(
        _ plaintext: ArraySlice<UInt8>,
        key: [UInt8],
        nonce: [UInt8],
        header: [UInt8]
    ) throws(SealingError) -> [UInt8] {
        guard let context = EVP_CIPHER_CTX_new() else { throw .openSSLFailure("create a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var length: Int32 = 0
        let sealed = output.withUnsafeMutableBufferPointer { out -> Bool in
            guard EVP_EncryptInit_ex2(context, EVP_aes_256_gcm(), key, nonce, nil) == 1,
                EVP_EncryptUpdate(context, nil, &length, header, Int32(header.count)) == 1
            else { return false }
            let written = plaintext.withUnsafeBufferPointer { input -> Bool in
                input.isEmpty
                    || EVP_EncryptUpdate(context, out.baseAddress, &length, input.baseAddress, Int32(input.count)) == 1
            }
            var tail: Int32 = 0
            return written && EVP_EncryptFinal_ex(context, out.baseAddress! + plaintext.count, &tail) == 1
                && EVP_CIPHER_CTX_ctrl(
                    context,
                    EVP_CTRL_AEAD_GET_TAG,
                    Int32(tagLength),
                    out.baseAddress! + plaintext.count
                ) == 1
        }
        guard sealed else { throw .openSSLFailure("seal a chunk with AES-256-GCM") }
        return output
    }

    /// The plaintext of a sealed chunk, or nil when its tag does not verify (nothing of it is returned then).
    static func open(
        _ sealed: ArraySlice<UInt8>,
        key: [UInt8],
        nonce: [UInt8],
        header: [UInt8]
    ) throws(SealingError) -> [UInt8]? {
        guard sealed.count >= tagLength else { return nil }
        guard let context = EVP_CIPHER_CTX_new() else { throw .openSSLFailure("create a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        let textLength = sealed.count - tagLength
        // Room past the text, so the buffer always has an address for OpenSSL's final (empty) write.
        var output = [UInt8](repeating: 0, count: textLength + tagLength)
        var tag = Array(sealed.suffix(tagLength))
        var length: Int32 = 0
        guard EVP_DecryptInit_ex2(context, EVP_aes_256_gcm(), key, nonce, nil) == 1,
            EVP_DecryptUpdate(context, nil, &length, header, Int32(header.count)) == 1
        else { throw .openSSLFailure("start AES-256-GCM") }
        let decrypted = output.withUnsafeMutableBufferPointer { out -> Bool in
            sealed.prefix(textLength).withUnsafeBufferPointer { input -> Bool in
                input.isEmpty
                    || EVP_DecryptUpdate(context, out.baseAddress, &length, input.baseAddress, Int32(input.count)) == 1
            }
        }
        guard decrypted,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(tagLength), &tag) == 1
        else { throw .openSSLFailure("decrypt with AES-256-GCM") }
        var tail: Int32 = 0
        let verified = output.withUnsafeMutableBufferPointer {
            EVP_DecryptFinal_ex(context, $0.baseAddress! + textLength, &tail)
        }
        guard verified == 1 else {
            output.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            return nil
        }
        output.removeLast(tagLength)
        return output
    }
}
