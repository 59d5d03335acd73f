import COpenSSL

/// Why a key or signature could not be made or read.
public enum KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidPublicKey
    case invalidPrivateKey
    case keysDoNotMatch
    case openSSLFailure(String)

    public var description: String {
        switch self {
        case .invalidPublicKey: "not a compressed secp256k1 public key (33 bytes, a point on the curve)"
        case .invalidPrivateKey: "not a secp256k1 private key (32 bytes, below the curve order)"
        case .keysDoNotMatch: "the private key does not belong to the public key stored with it"
        case .openSSLFailure(let step): "OpenSSL failed to \(step)"
        }
    }
}

/// An OpenSSL `EVP_PKEY` owned by Swift.
final class OpenSSLKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// Builds a key on secp256k1 from its encoded public point and, when given, its private scalar.
    static func make(publicKey: [UInt8], privateKey: [UInt8]?) -> OpenSSLKey? {
        let key = publicKey.withUnsafeBufferPointer { point in
            guard let privateKey else { return zen_secp256k1_key(point.baseAddress, point.count, nil) }
            return privateKey.withUnsafeBufferPointer {
                zen_secp256k1_key(point.baseAddress, point.count, $0.baseAddress)
            }
        }
        return key.map(OpenSSLKey.init)
    }
}

/// A compressed secp256k1 public key (33 bytes): node and publisher identities, chain addresses.
public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The encoded length of a compressed point.
    public static let byteCount = 33

    /// The compressed point.
    public let bytes: [UInt8]
    let key: OpenSSLKey

    /// Reads a compressed point; fails unless it lies on the curve.
    public init(bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == Self.byteCount, bytes[0] == 2 || bytes[0] == 3,
            let key = OpenSSLKey.make(publicKey: bytes, privateKey: nil)
        else { throw .invalidPublicKey }
        self.bytes = bytes
        self.key = key
    }

    /// True when `signature` signs `message` under this key.
    public func verifies(_ signature: Signature, for message: [UInt8]) -> Bool {
        guard let der = signature.derEncoding(), let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key.pointer) == 1 else { return false }
        let result = der.withUnsafeBufferPointer { signatureBytes in
            message.withUnsafeBufferPointer { messageBytes in
                EVP_DigestVerify(
                    context,
                    signatureBytes.baseAddress,
                    signatureBytes.count,
                    messageBytes.baseAddress,
                    messageBytes.count
                )
            }
        }
        return result == 1
    }

    public var description: String { Hex.encode(bytes) }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.bytes == rhs.bytes }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

/// A secp256k1 private key with its public key. Generation and ECDSA nonces come from OpenSSL's generator.
public struct PrivateKey: Sendable {
    /// The 32-byte secret scalar, big-endian.
    public let secret: [UInt8]
    /// The matching public key.
    public let publicKey: PublicKey
    private let key: OpenSSLKey

    /// A fresh key pair from OpenSSL's random generator.
    public static func generate() throws(KeyError) -> PrivateKey {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw .openSSLFailure("create a key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "secp256k1") == 1,
            EVP_PKEY_generate(context, &generated) == 1, let generated
        else { throw .openSSLFailure("generate a secp256k1 key") }
        let owned = OpenSSLKey(generated)
        guard EVP_PKEY_set_utf8_string_param(generated, "point-format", "compressed") == 1 else {
            throw .openSSLFailure("select compressed points")
        }
        var point = [UInt8](repeating: 0, count: 65)
        var pointLength = 0
        guard EVP_PKEY_get_octet_string_param(generated, "pub", &point, point.count, &pointLength) == 1,
            pointLength == PublicKey.byteCount
        else { throw .openSSLFailure("export the public key") }
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(generated, "priv", &number) == 1, let number else {
            throw .openSSLFailure("export the private key")
        }
        defer { BN_clear_free(number) }
        var secret = [UInt8](repeating: 0, count: 32)
        guard BN_bn2binpad(number, &secret, 32) == 32 else { throw .openSSLFailure("export the private key") }
        return PrivateKey(secret: secret, publicKey: try PublicKey(bytes: Array(point[0..<pointLength])), key: owned)
    }

    /// Rebuilds a key pair from stored bytes and checks that they belong together.
    public init(secret: [UInt8], publicKey: PublicKey) throws(KeyError) {
        guard secret.count == 32 else { throw .invalidPrivateKey }
        guard let key = OpenSSLKey.make(publicKey: publicKey.bytes, privateKey: secret) else {
            throw .invalidPrivateKey
        }
        self.init(secret: secret, publicKey: publicKey, key: key)
        let probe = Array("zenfs key check".utf8)
        guard publicKey.verifies(try sign(probe), for: probe) else { throw .keysDoNotMatch }
    }

    private init(secret: [UInt8], publicKey: PublicKey, key: OpenSSLKey) {
        self.secret = secret
        self.publicKey = publicKey
        self.key = key
    }

    /// Signs SHA-256 of `message`; the signature is in its low-S form.
    public func sign(_ message: [UInt8]) throws(KeyError) -> Signature {
        guard let context = EVP_MD_CTX_new() else { throw .openSSLFailure("create a signing context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key.pointer) == 1 else {
            throw .openSSLFailure("start a signature")
        }
        var der = [UInt8](repeating: 0, count: 80)
        var length = der.count
        let result = message.withUnsafeBufferPointer {
            EVP_DigestSign(context, &der, &length, $0.baseAddress, $0.count)
        }
        guard result == 1, let signature = Signature(der: Array(der[0..<length])) else {
            throw .openSSLFailure("sign")
        }
        return signature
    }
}
