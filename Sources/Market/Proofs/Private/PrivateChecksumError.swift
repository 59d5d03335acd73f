/// Why a private checksum could not be made or read back.
public enum PrivateChecksumError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer bits than the 32 distinct positions each salt needs.
    case dataTooSmall(byteCount: Int)
    /// A seed of another length than 32 bytes.
    case badSeed(byteCount: Int)
    /// The stored state is not the 170 bytes `PrivateChecksum.encoded` writes, or says it used more bits
    /// than it has.
    case malformedState(String)

    public var description: String {
        switch self {
        case .dataTooSmall(let count):
            "a private checksum needs at least 4 bytes of data (32 distinct bit positions); this run has \(count)"
        case .badSeed(let count): "a private checksum's seed has 32 bytes; this one has \(count)"
        case .malformedState(let reason): "the stored private checksum is unreadable: \(reason)"
        }
    }
}
