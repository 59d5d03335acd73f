import Chain
import Market
import Testing

struct SellingPolicyTests {
    static let floors = StorageRates(
        storagePerGiBMonth: Amount(units: 50_000_000),
        uploadPerGiB: Amount(units: 1_000_000),
        downloadPerGiB: Amount(units: 2_000_000)
    )
    static let policy = SellingPolicy(
        roomBytes: 20 << 30,
        floors: floors,
        minimumPayoutIntervalSeconds: 10,
        maximumCredit: .coins(1),
        maximumLeaseSeconds: 90 * 86_400
    )
    static let publisher = MinedIdentity.mine(
        publicKey: try! PrivateKey.generate().publicKey,
        target: CompactTarget(bits: 0x2000_ffff)!
    )!

    static func offer(
        storage: Amount = Amount(units: 100_000_000),
        bytes: UInt64 = 1 << 30,
        interval: Int32 = 60,
        lease: ClosedRange<UInt32> = 60...2_592_000
    ) -> TaskOffer {
        TaskOffer(
            taskID: [1],
            requirements: VMRequirements(),
            minimumMachines: 3,
            connectAddress: "127.0.0.1:7600",
            leaseSeconds: lease,
            payoutIntervalSeconds: interval,
            ratePerUnit: Amount(units: 0),
            acceptanceWindowBlocks: 6,
            informationURL: "",
            storage: StorageTerms(
                bytesPerHolder: bytes,
                replicas: 3,
                storagePricePerGiBMonth: storage,
                uploadPricePerGiB: Amount(units: 5_000_000),
                downloadPricePerGiB: Amount(units: 5_000_000)
            )
        )
    }

    @Test func acceptsAtItsOwnPrices() {
        let verdict = Self.policy.judge(Self.offer(), publisher: Self.publisher, committedBytes: 0)
        #expect(verdict == .accepted(rates: Self.floors, leaseSeconds: 2_592_000))
    }

    @Test func refusesBelowFloor() {
        let verdict = Self.policy.judge(
            Self.offer(storage: Amount(units: 49_999_999)),
            publisher: Self.publisher,
            committedBytes: 0
        )
        guard case .refused(let reasons) = verdict else { return #expect(Bool(false)) }
        #expect(reasons.count == 1)
        if case .pricesBelowFloor = reasons[0] {} else { Issue.record("\(reasons)") }
    }

    @Test func refusesWithoutRoomOrWithShortIntervalsOrLongLeases() {
        let full = Self.policy.judge(Self.offer(bytes: 2 << 30), publisher: Self.publisher, committedBytes: 19 << 30)
        #expect(full == .refused([.noRoom(asked: 2 << 30, free: 1 << 30)]))
        let hurried = Self.policy.judge(Self.offer(interval: -5), publisher: Self.publisher, committedBytes: 0)
        #expect(hurried == .refused([.payoutIntervalTooShort(-5, minimum: 10)]))
        let long = Self.policy.judge(
            Self.offer(lease: 100 * 86_400...200 * 86_400),
            publisher: Self.publisher,
            committedBytes: 0
        )
        #expect(long == .refused([.leaseTooLong(100 * 86_400, maximum: 90 * 86_400)]))
    }

    /// A positive interval is service on credit: refused when one interval at full room costs more than the
    /// seller extends; the same offer prepaid is accepted.
    @Test func creditIsBounded() {
        // 10 GiB sent and kept a day at the floors: 0.1 + 0.1666… ZEN, above a 0.1 ZEN credit.
        var policy = Self.policy
        policy.maximumCredit = Amount(units: 10_000_000)
        let credit = policy.judge(
            Self.offer(bytes: 10 << 30, interval: 86_400),
            publisher: Self.publisher,
            committedBytes: 0
        )
        guard case .refused(let reasons) = credit, case .creditTooLarge = reasons.first else {
            return #expect(Bool(false), "\(credit)")
        }
        let prepaid = policy.judge(
            Self.offer(bytes: 10 << 30, interval: -86_400),
            publisher: Self.publisher,
            committedBytes: 0
        )
        if case .accepted = prepaid {} else { Issue.record("\(prepaid)") }
    }

    @Test func demandsPublisherWork() {
        var strict = Self.policy
        strict.minimumPublisherTarget = CompactTarget(bits: 0x1d00_ffff)
        #expect(
            strict.judge(Self.offer(), publisher: Self.publisher, committedBytes: 0)
                == .refused([.publisherIdentityTooWeak])
        )
    }
}
