/// How an upload's holders prove they keep its parts (`zenfs upload --pps MODE --pps-interval D`).
public struct ProofOrder: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Random leaves of the parts with their SHA-256 paths to each part's root (the default).
        case merkle
        /// The RFC's private checksum: a bit of the garbled data under a salt the holder has not seen.
        case `private`
    }

    public var mode: Mode
    /// Seconds between checkpoints; each passed one pays the storage since the one before.
    public var intervalSeconds: Int64
    /// Leaves asked per checkpoint beyond one per part the holder keeps.
    public var leavesPerCheck: Int
    /// Private mode: a cheater should survive an audit with at most 2^−bits; that many bits of each checksum
    /// are kept as the audit reserve and the rest serve routine checkpoints before renewal (the RFC: 12).
    public var confidenceBits: Int

    public init(mode: Mode = .merkle, intervalSeconds: Int64, leavesPerCheck: Int = 12, confidenceBits: Int = 12) {
        self.mode = mode
        self.intervalSeconds = intervalSeconds
        self.leavesPerCheck = leavesPerCheck
        self.confidenceBits = confidenceBits
    }
}
