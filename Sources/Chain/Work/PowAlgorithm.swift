import COpenSSL

/// The proof-of-work functions blocks may be mined with, each with its own difficulty (the Myriadcoin manner):
/// miners with different hardware all take part.
public enum PowAlgorithm: UInt8, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Double SHA-256, as Bitcoin.
    case sha256d = 0
    /// scrypt with N = 1024, r = 1, p = 1 over the header, salted with the header, as Litecoin.
    case scrypt = 1

    /// The proof-of-work hash of a block header's bytes.
    public func hash(_ header: [UInt8]) -> Hash256 {
        switch self {
        case .sha256d:
            return Hash256.sha256d(header)
        case .scrypt:
            var output = [UInt8](repeating: 0, count: 32)
            let result = header.withUnsafeBufferPointer { input in
                input.withMemoryRebound(to: CChar.self) { password in
                    EVP_PBE_scrypt(
                        password.baseAddress,
                        password.count,
                        input.baseAddress,
                        input.count,
                        1024,
                        1,
                        1,
                        0,
                        &output,
                        32
                    )
                }
            }
            precondition(result == 1, "OpenSSL scrypt failed")
            return Hash256(bytes: output)!
        }
    }

    public var description: String { self == .sha256d ? "sha256d" : "scrypt" }
}
