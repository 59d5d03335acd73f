import Testing

@testable import Node

/// The space an add may take: the disk's reserve scales with the disk, and a refusal names the tighter limit.
struct StorageBudgetTests {
    /// 1/64 of the disk, at least 1 MiB and at most 32 MiB.
    @Test(arguments: [
        (Int64(20) << 20, Int64(1) << 20), (Int64(256) << 20, Int64(4) << 20), (Int64(1) << 30, Int64(16) << 20),
        (Int64(100) << 30, Int64(32) << 20), (Int64(0), Int64(1) << 20),
    ])
    func theReserveScalesWithTheDisk(disk: Int64, reserve: Int64) {
        #expect(StorageBudget.reserve(forDiskOf: disk) == reserve)
    }

    /// On an empty 20 MiB disk about 19 MiB may be stored (a fixed 32 MiB reserve left nothing).
    @Test func aSmallDiskLeavesRoom() {
        let budget = StorageBudget(
            quota: nil,
            quotaRoom: nil,
            diskFree: 20 << 20,
            diskReserve: StorageBudget.reserve(forDiskOf: 20 << 20),
            path: "/data"
        )
        #expect(budget.bytes == 19 << 20)
        let refusal = budget.refusal(needed: 30 << 20)
        #expect(refusal == .diskFull(path: "/data", needed: 31 << 20, free: 20 << 20))
        #expect(
            "\(refusal)".hasPrefix("disk full: the disk holding /data has 20.0 MiB free and this needs up to 31.0 MiB")
        )
    }

    /// With a quota and a disk, the refusal is the one whose room is smaller.
    @Test func theTighterLimitIsNamed() {
        let quotaBound = StorageBudget(
            quota: 10 << 20,
            quotaRoom: 2 << 20,
            diskFree: 100 << 20,
            diskReserve: 2 << 20,
            path: "/data"
        )
        #expect(quotaBound.bytes == 2 << 20)
        #expect(
            quotaBound.refusal(needed: 5 << 20) == .quotaExceeded(needed: 5 << 20, available: 2 << 20, quota: 10 << 20)
        )
        let diskBound = StorageBudget(
            quota: 1 << 30,
            quotaRoom: 1 << 30,
            diskFree: 3 << 20,
            diskReserve: 2 << 20,
            path: "/data"
        )
        #expect(diskBound.bytes == 1 << 20)
        #expect(diskBound.refusal(needed: 5 << 20) == .diskFull(path: "/data", needed: 7 << 20, free: 3 << 20))
    }
}
