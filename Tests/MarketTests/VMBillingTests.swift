import Chain
import Testing

@testable import Market

struct VMBillingTests {
    static let rates = VMRates(
        perCoreHour: Amount(units: 10_000_000),
        perMemoryGiBHour: Amount(units: 2_000_000),
        perDiskGiBMonth: Amount(units: 50_000_000),
        perTrafficGiB: Amount(units: 1_000_000)
    )
    static let gib: UInt64 = 1 << 30

    /// Each part of a charge follows its rate exactly; the parts are added before the one rounding.
    @Test func chargeAddsTheFourPartsAndRoundsOnce() {
        let usage = VMUsage(
            cpuNanoseconds: 5_400_000_000_000,  // 1.5 core-hours
            memoryByteSeconds: UInt128(2 * Self.gib) * 1_800,  // 1 GiB-hour
            diskByteSeconds: UInt128(10 * Self.gib) * 3_600,  // 10 GiB-hours = 1/72 GiB-month
            trafficBytes: 3 * Self.gib / 2
        )
        // 15,000,000 + 2,000,000 + 694,444.4… + 1,500,000
        #expect(Self.rates.charge(for: usage) == Amount(units: 19_194_444))
    }

    /// Two halves of a unit from different parts make one unit: the rounding is not per part.
    @Test func halvesFromDifferentPartsMakeAUnit() {
        let rates = VMRates(
            perCoreHour: Amount(units: 1),
            perMemoryGiBHour: Amount(units: 0),
            perDiskGiBMonth: Amount(units: 0),
            perTrafficGiB: Amount(units: 1)
        )
        let half = VMUsage(cpuNanoseconds: 1_800_000_000_000)
        #expect(rates.charge(for: half) == Amount(units: 0))
        let both = VMUsage(cpuNanoseconds: 1_800_000_000_000, trafficBytes: Self.gib / 2)
        #expect(rates.charge(for: both) == Amount(units: 1))
    }

    /// A month of hourly bills for 10 GiB of disk adds up to exactly ten months' GiB price, though no hour is a
    /// whole number of units.
    @Test func hourlyBillsCarryTheRemainder() {
        var meter = VMMeter(startingAt: 0, memoryBytes: 0, diskBytes: 10 * Self.gib)
        var billing = VMBilling(rates: Self.rates)
        var bills: [Int64] = []
        for hour in 1...720 {
            meter.advance(to: Int64(hour) * 3_600)
            bills.append(billing.bill(runningUsage: meter.usage).units)
        }
        #expect(bills[0] == 694_444)
        #expect(bills[1] == 694_444)
        #expect(bills[2] == 694_445)
        #expect(bills.reduce(0, +) == 500_000_000)
        #expect(billing.billed == Amount(units: 500_000_000))
    }

    /// The meter integrates reserved memory and disk over seconds and adds counter deltas; a counter that goes
    /// back (a restarted VM) counts from zero again instead of lowering the usage.
    @Test func meterIntegratesReservationsAndCounters() {
        var meter = VMMeter(startingAt: 100, memoryBytes: 512 << 20, diskBytes: Self.gib)
        meter.record(cpuNanoseconds: 7_000, trafficBytes: 300, at: 110)
        meter.record(cpuNanoseconds: 9_500, trafficBytes: 1_000, at: 120)
        meter.advance(to: 115)  // earlier than counted: ignored
        meter.record(cpuNanoseconds: 400, trafficBytes: 50, at: 130)
        meter.resizeDisk(to: 2 * Self.gib, at: 140)
        meter.advance(to: 150)
        #expect(meter.usage.cpuNanoseconds == 9_900)
        #expect(meter.usage.trafficBytes == 1_050)
        #expect(meter.usage.memoryByteSeconds == UInt128(512 << 20) * 50)
        #expect(meter.usage.diskByteSeconds == UInt128(Self.gib) * 40 + UInt128(2 * Self.gib) * 10)
    }

    /// A charge too large for the coin supply saturates instead of wrapping.
    @Test func hugeChargeSaturates() {
        let usage = VMUsage(diskByteSeconds: UInt128.max / 2)
        #expect(Self.rates.charge(for: usage) == Amount.maximum)
    }

    /// Prices read with or without their unit; a wrong unit is refused with the expected one named.
    @Test func pricesReadFromText() throws {
        let rates = try VMPriceText.rates(
            coreHour: "0.1",
            memoryGiBHour: "0.02/GiB-hour",
            diskGiBMonth: "0.5",
            trafficGiB: nil
        )
        #expect(
            rates
                == VMRates(
                    perCoreHour: Amount(units: 10_000_000),
                    perMemoryGiBHour: Amount(units: 2_000_000),
                    perDiskGiBMonth: Amount(units: 50_000_000),
                    perTrafficGiB: Amount(units: 0)
                )
        )
        #expect(throws: VMInputError.badPrice("0.1/GiB", expectedUnit: "core-hour")) {
            try VMPriceText.rates(coreHour: "0.1/GiB", memoryGiBHour: nil, diskGiBMonth: nil, trafficGiB: nil)
        }
    }

    /// Sizes read as the node's `--sell-vm` writes them; missing cores or memory is refused.
    @Test func resourcesReadFromText() throws {
        let resources = try VMResources(parsing: "cores=2,memory=2GiB,disk=10GiB")
        #expect(resources == VMResources(cores: 2, memoryBytes: 2 * Self.gib, diskBytes: 10 * Self.gib))
        #expect(resources.description == "cores=2,memory=2GiB,disk=10GiB")
        #expect(throws: VMInputError.badResources("memory=1GiB")) { try VMResources(parsing: "memory=1GiB") }
        #expect(throws: VMInputError.badResources("cores=0,memory=1GiB")) {
            try VMResources(parsing: "cores=0,memory=1GiB")
        }
        #expect(throws: VMInputError.badResources("cores=1,memory=lots")) {
            try VMResources(parsing: "cores=1,memory=lots")
        }
    }
}
