import Market

/// What `zenfs pps` (and the end of `zenfs contracts`) shows: each content's health and each holder's
/// checkpoints, on the owner's side.
public struct ProofReport: Codable, Sendable, Equatable {
    public let files: [ProofFileHealth]
    public let holders: [ProofStatus]
}

/// One content under checkpoints: the replicas asked, and how many copies the worst-kept part has on holders
/// that still pass.
public struct ProofFileHealth: Codable, Sendable, Equatable {
    public let infoHash: String
    public let mode: String
    public let intervalSeconds: Int64
    public let replicasAsked: Int
    /// Parts kept by fewer passing holders than asked, and the fewest passing copies of any part.
    public let shortParts: Int
    public let fewestReplicas: Int
    /// Whether the part roots are kept (checkpoints run) and the announcement is on chain.
    public let rootsKept: Bool
    public let announcement: String?
}

/// One holder's checkpoints.
public struct ProofStatus: Codable, Sendable, Equatable {
    public let infoHash: String
    public let task: String
    public let holder: String
    public let intervalSeconds: Int64
    public let passed: Int
    /// When the last passed checkpoint was sent (storage is paid up to it), seconds since 1970.
    public let lastPassedAt: Int64?
    public let lastSentAt: Int64?
    /// The second up to which the contract's storage is metered (and paid, once the holder confirmed).
    public let meteredUntil: Int64?
    /// The first failure; nil while the holder passes.
    public let failure: String?

    init(_ record: ProofAccountRecord, account: CheckpointAccount, meteredUntil: Int64?) {
        infoHash = record.infoHash
        task = record.task
        holder = record.peerKey
        intervalSeconds = account.intervalSeconds
        passed = account.passedCount
        lastPassedAt = account.lastPassedAt
        lastSentAt = account.lastSentAt
        self.meteredUntil = meteredUntil
        failure = account.failure?.description
    }
}
