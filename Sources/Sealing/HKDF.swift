import COpenSSL

/// HKDF-SHA256 (RFC 5869) through OpenSSL's EVP interface.
enum HKDF {
    /// `length` bytes derived from `secret` with `salt` and `info`.
    static func sha256(secret: [UInt8], salt: [UInt8], info: [UInt8], length: Int) throws(SealingError) -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "HKDF", nil) else {
            throw .openSSLFailure("create an HKDF context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_derive_init(context) == 1 else { throw .openSSLFailure("start HKDF") }
        var digest = Array("SHA256".utf8CString)
        // OpenSSL copies every parameter in `EVP_PKEY_CTX_set_params`, so the buffers need only outlive it;
        // the names are static strings.
        let set = digest.withUnsafeMutableBufferPointer { digestName in
            secret.withUnsafeBytes { secretBytes in
                salt.withUnsafeBytes { saltBytes in
                    info.withUnsafeBytes { infoBytes in
                        var parameters = [
                            OSSL_PARAM_construct_utf8_string(name("digest"), digestName.baseAddress, 0),
                            octets(name("key"), secretBytes),
                            octets(name("salt"), saltBytes),
                            octets(name("info"), infoBytes),
                            OSSL_PARAM_construct_end(),
                        ]
                        return EVP_PKEY_CTX_set_params(context, &parameters)
                    }
                }
            }
        }
        guard set == 1 else { throw .openSSLFailure("set the HKDF parameters") }
        var output = [UInt8](repeating: 0, count: length)
        var outputLength = length
        let derived = output.withUnsafeMutableBufferPointer { EVP_PKEY_derive(context, $0.baseAddress, &outputLength) }
        guard derived == 1, outputLength == length else { throw .openSSLFailure("derive with HKDF") }
        return output
    }

    private static func name(_ text: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    private static func octets(_ key: UnsafePointer<CChar>, _ bytes: UnsafeRawBufferPointer) -> OSSL_PARAM {
        // An empty buffer may have no address; OpenSSL wants one.
        OSSL_PARAM_construct_octet_string(
            key,
            UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? emptyAddress),
            bytes.count
        )
    }

    private static var emptyAddress: UnsafeRawPointer { UnsafeRawPointer(StaticString("").utf8Start) }
}
