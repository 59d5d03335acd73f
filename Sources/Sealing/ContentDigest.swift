import COpenSSL

/// SHA-256 fed piece by piece: the digest of a private file's name and content (`PrivateFile.digest`), taken
/// while the file is read in blocks rather than held whole.
public final class ContentDigest {
    private let context: OpaquePointer

    public init() throws(SealingError) {
        guard let context = EVP_MD_CTX_new() else { throw .openSSLFailure("create a digest context") }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw .openSSLFailure("start SHA-256")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds the next bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) throws(SealingError) {
        guard bytes.isEmpty || EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            throw .openSSLFailure("hash with SHA-256")
        }
    }

    /// The 32-byte digest of everything added.
    public func finish() throws(SealingError) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
            throw .openSSLFailure("finish SHA-256")
        }
        return digest
    }
}
