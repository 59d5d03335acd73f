import COpenSSL

/// An ECDSA signature as 64 bytes, r then s, big-endian, with s in the lower half of the curve order so that
/// nobody can make a second valid encoding of the same signature.
public struct Signature: Hashable, Sendable {
    /// The encoded length.
    public static let byteCount = 64

    /// r (32 bytes) followed by s (32 bytes).
    public let bytes: [UInt8]

    /// Half the order of secp256k1's group, big-endian: the largest s a canonical signature may carry.
    static let halfOrder = Hex.decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")!
    /// The order of secp256k1's group, big-endian.
    static let order = Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!

    /// Wraps 64 bytes; nil unless r and s are non-zero and s is in the lower half.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        let r = bytes[0..<32]
        let s = Array(bytes[32..<64])
        guard r.contains(where: { $0 != 0 }), s.contains(where: { $0 != 0 }),
            !Self.halfOrder.lexicographicallyPrecedes(s)
        else { return nil }
        self.bytes = bytes
    }

    /// Converts OpenSSL's DER form, moving s to the lower half.
    init?(der: [UInt8]) {
        var cursor: UnsafePointer<UInt8>?
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            cursor = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else { return nil }
        defer { ECDSA_SIG_free(parsed) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(parsed, &r, &s)
        var encoded = [UInt8](repeating: 0, count: 64)
        guard let r, let s, BN_bn2binpad(r, &encoded, 32) == 32 else { return nil }
        var sBytes = [UInt8](repeating: 0, count: 32)
        guard BN_bn2binpad(s, &sBytes, 32) == 32 else { return nil }
        if Self.halfOrder.lexicographicallyPrecedes(sBytes) { sBytes = Self.subtract(sBytes, from: Self.order) }
        encoded.replaceSubrange(32..<64, with: sBytes)
        self.init(bytes: encoded)
    }

    /// The DER form OpenSSL verifies.
    func derEncoding() -> [UInt8]? {
        guard let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        let r = bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, 32, nil) }
        let s = bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + 32, 32, nil) }
        guard let r, let s, ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        return written == length ? der : nil
    }

    /// `minuend - subtrahend` for 32-byte big-endian numbers with minuend ≥ subtrahend.
    private static func subtract(_ subtrahend: [UInt8], from minuend: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var digit = Int(minuend[index]) - Int(subtrahend[index]) - borrow
            borrow = digit < 0 ? 1 : 0
            if digit < 0 { digit += 256 }
            result[index] = UInt8(digit)
        }
        return result
    }
}
