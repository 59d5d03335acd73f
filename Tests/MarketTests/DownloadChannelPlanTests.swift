import Chain
import Market
import Testing

/// How a reader answers a holder's download terms: dearer than its ceiling is declined; otherwise a channel
/// funded for exactly the allowance at the holder's price (rounded up) plus the close fee.
struct DownloadChannelPlanTests {
    static let key = try! PrivateKey.generate()
    static let fee = Amount(units: 10_000)

    static func terms(price: Int64, interval: Int32 = 1) -> DownloadTerms {
        DownloadTerms(
            payee: key.publicKey,
            downloadPerGiB: Amount(units: price),
            minimumPayoutIntervalSeconds: interval
        )
    }

    @Test func dearerThanTheCeilingIsDeclined() {
        let plan = DownloadChannelPlan.decide(
            Self.terms(price: 2_000_001),
            ceiling: Amount(units: 2_000_000),
            allowanceBytes: 1 << 30,
            payoutIntervalSeconds: 2,
            closeFee: Self.fee
        )
        #expect(
            plan == .decline(.dearerThanCeiling(price: Amount(units: 2_000_001), ceiling: Amount(units: 2_000_000)))
        )
        #expect(
            "\(DownloadDeclineReason.dearerThanCeiling(price: .coins(1), ceiling: Amount(units: 1)))".contains(
                "max_price_download"
            )
        )
    }

    @Test func atTheCeilingOpensAChannelForTheAllowance() {
        let plan = DownloadChannelPlan.decide(
            Self.terms(price: 2_000_000),
            ceiling: Amount(units: 2_000_000),
            allowanceBytes: 1 << 30,
            payoutIntervalSeconds: 2,
            closeFee: Self.fee
        )
        #expect(plan == .open(funding: Amount(units: 2_010_000), payoutIntervalSeconds: 2))
    }

    /// 1,000,000 bytes at 2,000,000 units/GiB is 1862.645... units: the channel holds 1863, never one short.
    @Test func aPartialUnitIsRoundedUp() {
        let plan = DownloadChannelPlan.decide(
            Self.terms(price: 2_000_000, interval: 5),
            ceiling: nil,
            allowanceBytes: 1_000_000,
            payoutIntervalSeconds: 2,
            closeFee: Self.fee
        )
        #expect(plan == .open(funding: Amount(units: 1_863 + 10_000), payoutIntervalSeconds: 5))
    }

    @Test func noAllowanceOpensNothing() {
        let plan = DownloadChannelPlan.decide(
            Self.terms(price: 1),
            ceiling: nil,
            allowanceBytes: 0,
            payoutIntervalSeconds: 2,
            closeFee: Self.fee
        )
        #expect(plan == .decline(.noAllowance))
    }
}
