/// Why content could not be sealed or opened. Opening never returns plaintext unless every chunk's tag
/// verified.
public enum SealingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes do not start with a sealed header (not sealed content, or another format).
    case notSealed
    /// A sealed header of a version this build does not read.
    case unsupportedVersion(UInt8)
    /// The header's key check does not match the key derived from this secret and the header's salt.
    case wrongKey
    /// A chunk failed its authentication: its bytes, its place or the header were altered.
    case tamperedChunk(index: UInt64)
    /// The content ends early: its last chunk is missing or cut.
    case truncated
    /// A parameter outside what the format allows.
    case badParameter(String)
    /// A private file opened, but the name sealed inside it is not a single UTF-8 file name.
    case unreadableName
    /// OpenSSL refused a step that cannot fail on good input.
    case openSSLFailure(String)

    public var description: String {
        switch self {
        case .notSealed: "these bytes are not sealed ZenFS content (no sealed header)"
        case .unsupportedVersion(let version):
            "sealed content of format version \(version); this build reads version 1: upgrade zenfs"
        case .wrongKey:
            "the key does not open this content: it was sealed by another wallet (or its header was altered)"
        case .tamperedChunk(let index):
            "chunk \(index) of the sealed content was altered or is out of place: fetch it again from another holder"
        case .truncated: "the sealed content is cut short: its last chunk is missing"
        case .badParameter(let reason): "cannot seal: \(reason)"
        case .unreadableName: "the private file opened, but the name sealed in it is not a file name"
        case .openSSLFailure(let step): "OpenSSL failed to \(step)"
        }
    }
}
