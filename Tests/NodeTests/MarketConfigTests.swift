import Chain
import Market
import Node
import Testing

struct MarketConfigTests {
    /// Every `[market]` key sets its setting, in the units people write.
    @Test func appliesEveryMarketKey() throws {
        let file = try ConfigFile.parse(
            """
            [market]
            sell_storage = "20GiB"
            price_storage = "0.5/GiB-month"
            price_upload = "0.01/GiB"
            price_download = "0.02"
            min_payout_interval = "30s"
            max_prepay = "1.5"
            max_lease = "90d"
            min_publisher_bits = "1f00ffff"
            acceptance_bits = "1e0fffff"
            payment_grace = 20
            max_price_download = "0.05/GiB"
            download_allowance = "300KiB"
            """
        )
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        try file.apply(to: &configuration)
        let market = configuration.market
        let policy = try #require(market.selling)
        #expect(policy.roomBytes == 20 << 30)
        #expect(policy.floors.storagePerGiBMonth == Amount(units: 50_000_000))
        #expect(policy.floors.uploadPerGiB == Amount(units: 1_000_000))
        #expect(policy.floors.downloadPerGiB == Amount(units: 2_000_000))
        #expect(policy.minimumPayoutIntervalSeconds == 30)
        #expect(policy.maximumCredit == Amount(units: 150_000_000))
        #expect(policy.maximumLeaseSeconds == 90 * 86_400)
        #expect(policy.minimumPublisherTarget == CompactTarget(bits: 0x1f00_ffff))
        #expect(market.acceptanceBits == 0x1e0f_ffff)
        #expect(market.graceSeconds == 20)
        #expect(market.maximumDownloadPrice == Amount(units: 5_000_000))
        #expect(market.downloadAllowanceBytes == 300 << 10)
        #expect(NodeConfiguration(dataDirectory: "/tmp/x").market.downloadAllowanceBytes == 1 << 30)
    }

    /// Without `sell_storage` the node sells nothing; a bad value names its line and what it takes.
    @Test func refusesBadValuesAndUnknownKeys() throws {
        var configuration = NodeConfiguration(dataDirectory: "/tmp/x")
        try ConfigFile.parse("[market]\nprice_storage = \"1\"\n").apply(to: &configuration)
        #expect(configuration.market.selling == nil)
        #expect(throws: ConfigFileError.self) {
            try ConfigFile.parse("[market]\nsell_storage = \"20 gigs\"\n").apply(to: &configuration)
        }
        #expect(throws: ConfigFileError.unknownKey(line: 2, "market.sell_bandwidth")) {
            try ConfigFile.parse("[market]\nsell_bandwidth = \"1G\"\n").apply(to: &configuration)
        }
        do {
            try ConfigFile.parse("\n[market]\nprice_upload = \"0.01/GiB-month\"\n").apply(to: &configuration)
            Issue.record("accepted a storage unit for a transfer price")
        } catch {
            #expect("\(error)".contains("line 3") && "\(error)".contains("/GiB"))
        }
    }
}
