import Foundation

/// What `zenfs upload` asks the node to do: spread the content of an info-hash over hired holders. Amounts are
/// Zencoin units; durations are seconds.
public struct UploadOrder: Codable, Sendable, Equatable {
    public var infoHash: String
    public var replicas: Int
    public var maxStoragePrice: Int64
    public var maxUploadPrice: Int64
    public var maxDownloadPrice: Int64
    public var durationSeconds: Int64
    /// Seconds between payouts; negative: paid one interval ahead.
    public var payoutIntervalSeconds: Int64
    /// The most the whole upload may cost, fees included; nil: no cap beyond the wallet.
    public var budget: Int64?
    /// How long to wait for acceptances after the offer.
    public var acceptWaitSeconds: Int64
    /// Proof of storage for the holders (`Sources/Node/PPS`); nil: storage is paid per payout interval.
    public var proof: ProofOrder?

    public init(
        infoHash: String,
        replicas: Int,
        maxStoragePrice: Int64,
        maxUploadPrice: Int64,
        maxDownloadPrice: Int64,
        durationSeconds: Int64,
        payoutIntervalSeconds: Int64,
        budget: Int64?,
        acceptWaitSeconds: Int64,
        proof: ProofOrder? = nil
    ) {
        self.infoHash = infoHash
        self.replicas = replicas
        self.maxStoragePrice = maxStoragePrice
        self.maxUploadPrice = maxUploadPrice
        self.maxDownloadPrice = maxDownloadPrice
        self.durationSeconds = durationSeconds
        self.payoutIntervalSeconds = payoutIntervalSeconds
        self.budget = budget
        self.acceptWaitSeconds = acceptWaitSeconds
        self.proof = proof
    }
}

/// How far an upload got, as `zenfs upload` draws it.
public struct UploadProgress: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        case offering, waitingForAcceptances, funding, uploading, done, failed
    }

    public var infoHash: String
    public var phase: Phase
    public var task: String?
    public var holders: Int = 0
    public var partsTotal: Int = 0
    /// Placements asked (parts × replicas) and made so far.
    public var placementsWanted: Int = 0
    public var placementsDone: Int = 0
    public var bytesSent: Int64 = 0
    public var costUnits: Int64 = 0
    public var secondsElapsed: Double = 0
    /// Seconds from the start to the first part placed.
    public var secondsToFirstPlacement: Double?
    /// Parts with fewer replicas than asked, and the fewest replicas any part has.
    public var shortParts: Int = 0
    public var fewestReplicas: Int?
    public var error: String?

    public init(infoHash: String, phase: Phase) {
        self.infoHash = infoHash
        self.phase = phase
    }
}
