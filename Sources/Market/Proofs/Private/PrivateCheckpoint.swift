/// One check of a private checksum: the owner sends `salt` and `position`, the holder answers the bit of
/// the garbled data there.
public struct PrivateCheckpoint: Hashable, Sendable {
    /// Which of the checksum's 1,024 bits this is (0 first); salts go round before any is used twice.
    public let number: Int
    /// Which of the 32 salts.
    public let saltIndex: Int
    public let salt: [UInt8]
    /// A bit of the data: bit `position % 8` (lowest first) of byte `position / 8`.
    public let position: UInt64

    public init(number: Int, saltIndex: Int, salt: [UInt8], position: UInt64) {
        self.number = number
        self.saltIndex = saltIndex
        self.salt = salt
        self.position = position
    }

    /// True when this is the first check under its salt, so the holder has never seen the salt.
    public var saltIsFresh: Bool { number < PrivateChecksum.saltCount }
}
