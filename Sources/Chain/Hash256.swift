import COpenSSL

/// A 32-byte SHA-256 digest: transaction ids, block hashes and identity hashes of the Zennet chain.
public struct Hash256: Hashable, Sendable, CustomStringConvertible {
    /// The digest's bytes, in the order the hash function produced them.
    public let bytes: [UInt8]

    /// Wraps 32 bytes; returns nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// SHA-256 of `data`.
    public static func sha256<Bytes: Collection<UInt8>>(_ data: Bytes) -> Hash256 {
        var output = [UInt8](repeating: 0, count: 32)
        let contiguous = Array(data)
        contiguous.withUnsafeBufferPointer { input in
            _ = output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, nil, EVP_sha256(), nil)
            }
        }
        return Hash256(bytes: output)!
    }

    /// SHA-256 applied twice, as Bitcoin hashes transactions and block headers.
    public static func sha256d<Bytes: Collection<UInt8>>(_ data: Bytes) -> Hash256 {
        sha256(sha256(data).bytes)
    }

    /// Lowercase hexadecimal, most significant byte first as produced.
    public var description: String { Hex.encode(bytes) }
}
