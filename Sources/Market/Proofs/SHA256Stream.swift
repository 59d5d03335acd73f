import COpenSSL
import Chain

/// SHA-256 fed in pieces through one reused OpenSSL context: the proofs hash thousands of small leaves and
/// whole parts behind a salt, where a fresh context and a joined copy per hash would cost more than the hash.
final class SHA256Stream {
    private let context: OpaquePointer
    private let algorithm: OpaquePointer

    init() {
        context = EVP_MD_CTX_new()
        algorithm = EVP_MD_fetch(nil, "SHA256", nil)
        EVP_DigestInit_ex2(context, algorithm, nil)
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_free(algorithm)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    func update(_ byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    /// The digest of everything fed since the last `finish`; the stream starts anew.
    func finish() -> Hash256 {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        output.withUnsafeMutableBufferPointer { _ = EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        EVP_DigestInit_ex2(context, algorithm, nil)
        return Hash256(bytes: output)!
    }
}
