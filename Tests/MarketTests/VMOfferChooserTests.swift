import Chain
import Testing

@testable import Market

struct VMOfferChooserTests {
    static let gib: UInt64 = 1 << 30
    static let free = VMResources(cores: 4, memoryBytes: 8 * gib, diskBytes: 100 * gib)
    static let floor = VMRates(
        perCoreHour: Amount(units: 5),
        perMemoryGiBHour: Amount(units: 0),
        perDiskGiBMonth: Amount(units: 0),
        perTrafficGiB: Amount(units: 0)
    )

    static func offer(_ id: String, cores: UInt32, memoryGiB: UInt64 = 1, coreHour: Int64) -> VMOffer {
        VMOffer(
            id: id,
            resources: VMResources(cores: cores, memoryBytes: memoryGiB * gib, diskBytes: 0),
            rates: VMRates(
                perCoreHour: Amount(units: coreHour),
                perMemoryGiBHour: Amount(units: 0),
                perDiskGiBMonth: Amount(units: 0),
                perTrafficGiB: Amount(units: 0)
            )
        )
    }

    /// The offer earning most per share of the free cores goes first even though another earns more in all;
    /// offers under the floor or bigger than what is free are never taken; later offers must fit what is left.
    @Test func takesProfitPerFreeResourceFirst() {
        let offers = [
            Self.offer("big", cores: 4, coreHour: 7),  // 28 an hour for all four cores
            Self.offer("dense", cores: 2, coreHour: 10),  // 20 an hour for half of them
            Self.offer("cheap", cores: 1, coreHour: 1),  // under the floor
            Self.offer("huge", cores: 8, coreHour: 100),  // does not fit
            Self.offer("small", cores: 2, coreHour: 6),  // 12 an hour for half
        ]
        #expect(VMOfferChooser.choose(offers, free: Self.free, floor: Self.floor) == ["dense", "small"])
    }

    /// Memory can be the dominant share: an offer that takes all free memory scores by that, not by its cores.
    @Test func memoryCanBeTheScarceResource() {
        let offers = [
            Self.offer("memory-hungry", cores: 1, memoryGiB: 8, coreHour: 20),  // 20 for all the memory
            Self.offer("lean", cores: 1, memoryGiB: 1, coreHour: 10),  // 10 for a quarter of the cores
        ]
        #expect(VMOfferChooser.choose(offers, free: Self.free, floor: Self.floor) == ["lean"])
        #expect(VMOfferChooser.dominantShareMillionths(of: offers[0].resources, in: Self.free) == 1_000_000)
        #expect(VMOfferChooser.dominantShareMillionths(of: offers[1].resources, in: Self.free) == 250_000)
    }

    /// Equal scores are broken by income, then by id, so the choice never depends on the input order.
    @Test func tiesAreDeterministic() {
        let offers = [Self.offer("b", cores: 2, coreHour: 10), Self.offer("a", cores: 2, coreHour: 10)]
        #expect(VMOfferChooser.choose(offers, free: Self.free, floor: Self.floor) == ["a", "b"])
        #expect(VMOfferChooser.choose(offers.reversed(), free: Self.free, floor: Self.floor) == ["a", "b"])
    }
}
