import Chain
import Market
import Testing

/// A holder serves a reader's part only while the channel pays for it, to the unit.
struct DownloadFundsTests {
    static let price = Amount(units: 2_000_000)
    static let fee = Amount(units: 10_000)

    /// 300 KiB at 2,000,000 units per GiB rounds up to 573 units: one 256 KiB part (488.28 units) fits, a
    /// second (976.56 units in all) does not.
    @Test func aChannelForThreeHundredKiBPaysForOnePartOfTwo() {
        let funding = Amount(units: 573) + Self.fee
        #expect(
            DownloadFunds.covers(
                funding: funding,
                closeFee: Self.fee,
                downloadPerGiB: Self.price,
                admittedBytes: 0,
                nextBytes: 262_144
            )
        )
        #expect(
            !DownloadFunds.covers(
                funding: funding,
                closeFee: Self.fee,
                downloadPerGiB: Self.price,
                admittedBytes: 262_144,
                nextBytes: 262_144
            )
        )
    }

    /// The last unit counts: a charge of exactly the funds less the fee is covered, one byte's worth more is not.
    @Test func theBoundIsExact() {
        // 536,870,912 bytes (half a GiB) cost exactly 1,000,000 units.
        let funding = Amount(units: 1_000_000) + Self.fee
        #expect(
            DownloadFunds.covers(
                funding: funding,
                closeFee: Self.fee,
                downloadPerGiB: Self.price,
                admittedBytes: 536_870_000,
                nextBytes: 912
            )
        )
        // 537 more bytes reach the next whole unit (each unit is 536.87 bytes at this price).
        #expect(
            !DownloadFunds.covers(
                funding: funding,
                closeFee: Self.fee,
                downloadPerGiB: Self.price,
                admittedBytes: 536_870_912,
                nextBytes: 537
            )
        )
        #expect(
            !DownloadFunds.covers(
                funding: funding,
                closeFee: Self.fee,
                downloadPerGiB: Self.price,
                admittedBytes: .max,
                nextBytes: 1
            )
        )
    }
}
