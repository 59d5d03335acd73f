import COpenSSL
import Chain

/// A 20-byte SHA1 digest: the name of every element and the info-hash of every metainfo.
public struct SHA1Digest: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number of bytes in a digest.
    public static let byteCount = 20

    /// The digest's 20 bytes.
    public let bytes: [UInt8]

    /// Wraps exactly 20 bytes; returns nil for any other count.
    public init?<Bytes: Collection<UInt8>>(bytes: Bytes) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses 40 hexadecimal characters (either case).
    public init?(hex: String) {
        guard hex.utf8.count == 40, let bytes = Hex.decode(hex) else { return nil }
        self.bytes = bytes
    }

    /// SHA1 of the bytes in `buffer`.
    public static func of(_ buffer: UnsafeRawBufferPointer) -> SHA1Digest {
        var output = [UInt8](repeating: 0, count: byteCount)
        output.withUnsafeMutableBufferPointer { out in
            _ = EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, nil, EVP_sha1(), nil)
        }
        return SHA1Digest(bytes: output)!
    }

    /// SHA1 of `bytes`.
    public static func of(_ bytes: [UInt8]) -> SHA1Digest {
        bytes.withUnsafeBytes { of($0) }
    }

    /// SHA1 of `bytes`.
    public static func of(_ bytes: ArraySlice<UInt8>) -> SHA1Digest {
        bytes.withUnsafeBytes { of($0) }
    }

    /// Lowercase hexadecimal, 40 characters.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func < (lhs: SHA1Digest, rhs: SHA1Digest) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
