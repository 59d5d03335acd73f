import COpenSSL

/// SHA-256d with one reused OpenSSL context and fixed buffers: the inner loop of mining, where a fresh context
/// and arrays per hash would cost more than the hash itself.
final class DoubleSHA256 {
    private let context: OpaquePointer
    private let algorithm: OpaquePointer
    private var first = [UInt8](repeating: 0, count: 32)
    /// The last digest computed.
    private(set) var digest = [UInt8](repeating: 0, count: 32)

    init() {
        context = EVP_MD_CTX_new()
        algorithm = EVP_MD_fetch(nil, "SHA256", nil)
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_free(algorithm)
    }

    /// Hashes `input` twice into `digest`.
    func hash(_ input: UnsafeRawBufferPointer) {
        var length: UInt32 = 0
        first.withUnsafeMutableBufferPointer { first in
            EVP_DigestInit_ex2(context, algorithm, nil)
            EVP_DigestUpdate(context, input.baseAddress, input.count)
            EVP_DigestFinal_ex(context, first.baseAddress, &length)
            digest.withUnsafeMutableBufferPointer { second in
                EVP_DigestInit_ex2(context, algorithm, nil)
                EVP_DigestUpdate(context, first.baseAddress, 32)
                EVP_DigestFinal_ex(context, second.baseAddress, &length)
            }
        }
    }

    /// True when the digest, read as a little-endian number, is at most `target` (32 bytes, big-endian).
    func digestMeets(_ target: [UInt8]) -> Bool {
        for index in 0..<32 {
            let byte = digest[31 - index]
            if byte != target[index] { return byte < target[index] }
        }
        return true
    }
}
