import Chain
import Market
import Testing

struct ChargeTests {
    static let rates = StorageRates(
        storagePerGiBMonth: Amount(units: 50_000_000),
        uploadPerGiB: Amount(units: 1_000_000),
        downloadPerGiB: Amount(units: 2_000_000)
    )

    /// One GiB kept a month, sent once and read twice: the three prices add up exactly.
    @Test func wholeUnits() {
        let gib = UInt64(1 << 30)
        let usage = StorageUsage(
            uploadedBytes: gib,
            downloadedBytes: 2 * gib,
            storedByteSeconds: UInt128(gib) * UInt128(StorageRates.secondsPerMonth)
        )
        #expect(Self.rates.charge(for: usage) == Amount(units: 50_000_000 + 1_000_000 + 4_000_000))
    }

    /// Fractions of a unit from the three parts are added before rounding down once: a part too small to cost a
    /// unit alone still counts with the others.
    @Test func remaindersCarried() {
        // Half a unit of upload (2^29 bytes at 1 unit/GiB) plus half a unit of download: one unit together.
        let rates = StorageRates(
            storagePerGiBMonth: Amount(units: 0),
            uploadPerGiB: Amount(units: 1),
            downloadPerGiB: Amount(units: 1)
        )
        let usage = StorageUsage(uploadedBytes: 1 << 29, downloadedBytes: 1 << 29)
        #expect(rates.charge(for: usage) == Amount(units: 1))
        #expect(rates.charge(for: StorageUsage(uploadedBytes: 1 << 29)) == Amount(units: 0))
    }

    /// Metered second by second, the charge is the same however often it is read: the cumulative charge
    /// equals the charge of the whole usage, so paying the difference each interval loses no unit.
    @Test func meterIsExactAcrossIntervals() {
        var meter = StorageMeter(startingAt: 1000)
        meter.stored(300 << 20, at: 1000)
        var paid = Amount(units: 0)
        var payments: [Amount] = []
        for second in stride(from: Int64(1007), through: 1000 + 7 * 100, by: 7) {
            meter.advance(to: second)
            let owed = Self.rates.charge(for: meter.usage)
            payments.append(owed - paid)
            paid = owed
        }
        #expect(payments.reduce(Amount(units: 0), +) == Self.rates.charge(for: meter.usage))
        // 300 MiB × 700 s at 0.5 ZEN/GiB-month, plus 300 MiB up at 0.01 ZEN/GiB, exactly (rounded down once).
        let expected =
            (UInt128(300 << 20) * 700 * 50_000_000 + UInt128(300 << 20) * 1_000_000 * 2_592_000)
            / (UInt128(1 << 30) * 2_592_000)
        #expect(paid == Amount(units: Int64(expected)))
        #expect(meter.usage.storedByteSeconds == UInt128(300 << 20) * 700)
    }

    @Test func meterStopsAtEndAndRelease() {
        var meter = StorageMeter(startingAt: 0)
        meter.stored(100, at: 10)
        meter.advance(to: 50, end: 30)
        #expect(meter.usage.storedByteSeconds == 2000)
        meter.advance(to: 20)
        #expect(meter.usage.storedByteSeconds == 2000)
        var released = StorageMeter(startingAt: 0)
        released.stored(100, at: 0)
        released.released(100, at: 5)
        released.advance(to: 100)
        #expect(released.usage.storedByteSeconds == 500)
        #expect(released.usage.uploadedBytes == 100)
    }

    /// Absurd usage saturates at the coin supply instead of trapping.
    @Test func saturates() {
        let usage = StorageUsage(uploadedBytes: .max, downloadedBytes: .max, storedByteSeconds: .max)
        let rates = StorageRates(
            storagePerGiBMonth: Amount.maximum,
            uploadPerGiB: Amount.maximum,
            downloadPerGiB: Amount.maximum
        )
        #expect(rates.charge(for: usage) == Amount.maximum)
    }
}
