import Chain
import Market
import Testing

struct UnitsTests {
    @Test func sizes() throws {
        #expect(try ByteSize.parse("20GiB") == 20 << 30)
        #expect(try ByteSize.parse("512M") == 512 << 20)
        #expect(try ByteSize.parse("4096") == 4096)
        #expect(try ByteSize.parse("1TiB") == 1 << 40)
        for bad in ["", "GiB", "1.5GiB", "-1G", "20 GB", "99999999999999999999T"] {
            #expect(throws: MarketInputError.badSize(bad)) { try ByteSize.parse(bad) }
        }
    }

    @Test func prices() throws {
        #expect(try PriceText.storage("0.5/GiB-month") == Amount(units: 50_000_000))
        #expect(try PriceText.storage("1") == Amount(units: 100_000_000))
        #expect(try PriceText.transfer("0.01/GiB") == Amount(units: 1_000_000))
        #expect(try PriceText.transfer("0.00000001") == Amount(units: 1))
        #expect(throws: MarketInputError.self) { try PriceText.transfer("0.01/GiB-month") }
        #expect(throws: MarketInputError.self) { try PriceText.storage("-1/GiB-month") }
        #expect(throws: MarketInputError.self) { try PriceText.storage("0.000000001") }
    }

    @Test func durations() throws {
        #expect(try DurationText.seconds("30d") == 2_592_000)
        #expect(try DurationText.seconds("60s") == 60)
        #expect(try DurationText.seconds("5m") == 300)
        #expect(try DurationText.seconds("90") == 90)
        #expect(try DurationText.seconds("-60s", allowNegative: true) == -60)
        #expect(throws: MarketInputError.self) { try DurationText.seconds("-60s") }
        #expect(throws: MarketInputError.self) { try DurationText.seconds("1w") }
        #expect(throws: MarketInputError.self) { try DurationText.seconds("100000d") }
    }
}
