import Market
import Testing
import ZenFS

struct PlacementTests {
    static func part(_ index: UInt8, bytes: UInt64 = 100) -> PartToPlace {
        PartToPlace(hash: SHA1Digest.of([index]), bytes: bytes)
    }

    /// Every part goes to three distinct holders, spread evenly over four.
    @Test func distinctAndEven() {
        let parts = (0..<40).map { Self.part(UInt8($0)) }
        let holders = ["a", "b", "c", "d"].map { HolderRoom(holder: $0, freeBytes: 10_000) }
        let plan = PlacementPlanner.plan(parts: parts, replicas: 3, holders: holders)
        #expect(plan.shortfalls.isEmpty)
        #expect(plan.count == 120)
        for part in parts {
            let holding = plan.assignments.filter { $0.value.contains(part) }.map(\.key)
            #expect(Set(holding).count == 3)
        }
        #expect(plan.assignments.values.allSatisfy { $0.count == 30 })
    }

    /// Parts already placed keep their holders and need only the missing copies; a full holder gets nothing.
    @Test func resumesAndRespectsRoom() {
        let parts = [Self.part(1), Self.part(2)]
        let holders = [
            HolderRoom(holder: "a", freeBytes: 1000), HolderRoom(holder: "b", freeBytes: 1000),
            HolderRoom(holder: "full", freeBytes: 50),
        ]
        let plan = PlacementPlanner.plan(
            parts: parts,
            replicas: 2,
            holders: holders,
            placed: [parts[0].hash: ["a", "b"], parts[1].hash: ["a"]]
        )
        #expect(plan.count == 1)
        #expect(plan.assignments["b"] == [parts[1]])
        #expect(plan.assignments["full"] == nil)
    }

    /// Fewer holders than replicas: each part gets what there is and the shortfall is reported.
    @Test func reportsShortfall() {
        let plan = PlacementPlanner.plan(
            parts: [Self.part(1)],
            replicas: 3,
            holders: [HolderRoom(holder: 1, freeBytes: 1000), HolderRoom(holder: 2, freeBytes: 1000)]
        )
        #expect(plan.shortfalls == [Self.part(1).hash: 2])
    }
}
