import Chain

/// How a selling node judges storage task offers: its room, its price floors, and the terms it accepts.
public struct SellingPolicy: Hashable, Sendable {
    /// The bytes it sells in all (`--sell-storage`).
    public var roomBytes: UInt64
    /// The least it takes: these are also the prices it asks.
    public var floors: StorageRates
    /// The shortest payout interval it accepts, in seconds (either sign): fewer payment messages.
    public var minimumPayoutIntervalSeconds: Int64
    /// The most a publisher may owe it between payments (service it gives on credit, with a positive interval);
    /// prepaid offers (negative intervals) owe nothing.
    public var maximumCredit: Amount
    /// The longest lease it signs, in seconds.
    public var maximumLeaseSeconds: Int64
    /// The identity work it demands of publishers, stricter than the network's, if any.
    public var minimumPublisherTarget: CompactTarget?

    public init(
        roomBytes: UInt64,
        floors: StorageRates,
        minimumPayoutIntervalSeconds: Int64 = 1,
        maximumCredit: Amount = .coins(10),
        maximumLeaseSeconds: Int64 = 365 * 86_400,
        minimumPublisherTarget: CompactTarget? = nil
    ) {
        self.roomBytes = roomBytes
        self.floors = floors
        self.minimumPayoutIntervalSeconds = minimumPayoutIntervalSeconds
        self.maximumCredit = maximumCredit
        self.maximumLeaseSeconds = maximumLeaseSeconds
        self.minimumPublisherTarget = minimumPublisherTarget
    }

    /// The verdict on `offer` from `publisher`, with `committedBytes` already promised to other contracts.
    public func judge(_ offer: TaskOffer, publisher: MinedIdentity, committedBytes: UInt64) -> OfferVerdict {
        guard let storage = offer.storage else { return .refused([.notAStorageTask]) }
        var reasons: [RefusalReason] = []
        let offered = StorageRates(
            storagePerGiBMonth: storage.storagePricePerGiBMonth,
            uploadPerGiB: storage.uploadPricePerGiB,
            downloadPerGiB: storage.downloadPricePerGiB
        )
        if !floors.isWithin(offered) { reasons.append(.pricesBelowFloor(offered: offered, floors: floors)) }
        let free = roomBytes - min(roomBytes, committedBytes)
        if storage.bytesPerHolder > free { reasons.append(.noRoom(asked: storage.bytesPerHolder, free: free)) }
        if let target = minimumPublisherTarget, !publisher.meets(target) {
            reasons.append(.publisherIdentityTooWeak)
        }
        let interval = Int64(offer.payoutIntervalSeconds)
        if interval == 0 || abs(interval) < minimumPayoutIntervalSeconds {
            reasons.append(.payoutIntervalTooShort(interval, minimum: minimumPayoutIntervalSeconds))
        }
        if Int64(offer.leaseSeconds.lowerBound) > maximumLeaseSeconds {
            reasons.append(.leaseTooLong(Int64(offer.leaseSeconds.lowerBound), maximum: maximumLeaseSeconds))
        }
        if interval > 0 {
            let credit = floors.charge(for: Self.oneInterval(bytes: storage.bytesPerHolder, seconds: interval))
            if credit > maximumCredit { reasons.append(.creditTooLarge(credit, maximum: maximumCredit)) }
        }
        guard reasons.isEmpty else { return .refused(reasons) }
        let lease = min(Int64(offer.leaseSeconds.upperBound), maximumLeaseSeconds)
        return .accepted(rates: floors, leaseSeconds: lease)
    }

    /// The usage of one interval at full room: all bytes sent once and kept for the interval.
    static func oneInterval(bytes: UInt64, seconds: Int64) -> StorageUsage {
        StorageUsage(uploadedBytes: bytes, storedByteSeconds: UInt128(bytes) * UInt128(seconds))
    }
}

/// What a seller decided about one offer.
public enum OfferVerdict: Hashable, Sendable {
    /// It takes the offer at these rates (its asking prices) for this lease.
    case accepted(rates: StorageRates, leaseSeconds: Int64)
    case refused([RefusalReason])
}

/// Why a seller refuses an offer, in words a publisher can act on.
public enum RefusalReason: Hashable, Sendable, CustomStringConvertible {
    case notAStorageTask
    case pricesBelowFloor(offered: StorageRates, floors: StorageRates)
    case noRoom(asked: UInt64, free: UInt64)
    case publisherIdentityTooWeak
    case payoutIntervalTooShort(Int64, minimum: Int64)
    case leaseTooLong(Int64, maximum: Int64)
    case creditTooLarge(Amount, maximum: Amount)

    public var description: String {
        switch self {
        case .notAStorageTask: "the task asks for no storage"
        case .pricesBelowFloor(let offered, let floors):
            "the offer pays \(offered.storagePerGiBMonth)/GiB-month, \(offered.uploadPerGiB)/GiB up, \(offered.downloadPerGiB)/GiB down; this node asks at least \(floors.storagePerGiBMonth), \(floors.uploadPerGiB), \(floors.downloadPerGiB)"
        case .noRoom(let asked, let free):
            "the offer asks \(asked) bytes per holder; this node has \(free) bytes left to sell"
        case .publisherIdentityTooWeak: "the publisher's identity carries less work than this node demands"
        case .payoutIntervalTooShort(let interval, let minimum):
            "payouts every \(interval) s; this node wants at least \(minimum) s between payouts"
        case .leaseTooLong(let lease, let maximum):
            "the shortest lease offered is \(lease) s; this node leases at most \(maximum) s"
        case .creditTooLarge(let credit, let maximum):
            "one payout interval of service is worth \(credit) ZEN on credit; this node extends at most \(maximum)"
        }
    }
}
