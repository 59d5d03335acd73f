import Testing
import ZenFS

struct DiscoveryRouterTests {
    let id = PeerTestIdentities.queryID
    let other = QueryID(bytes: Array(repeating: 1, count: 16))!

    /// A query goes to every neighbour but its sender with one hop less; the same id again is dropped.
    @Test func forwardsOnceExceptToTheSender() {
        var router = DiscoveryRouter<Int>()
        let first = router.route(id, hopLimit: 3, from: 2, neighbours: [1, 2, 3], now: 0)
        #expect(first == .init(isDuplicate: false, forwardTo: [1, 3], forwardedHopLimit: 2))
        let again = router.route(id, hopLimit: 3, from: 3, neighbours: [1, 2, 3], now: 10)
        #expect(again.isDuplicate && again.forwardTo.isEmpty)
        let origin = router.route(other, hopLimit: 1, from: nil, neighbours: [1, 2], now: 10)
        #expect(origin.forwardTo == [1, 2] && origin.forwardedHopLimit == 0)
    }

    /// A query whose hop limit is spent is answered locally but not passed on.
    @Test func hopLimitStopsForwarding() {
        var router = DiscoveryRouter<Int>()
        let decision = router.route(id, hopLimit: 0, from: 1, neighbours: [1, 2, 3], now: 0)
        #expect(!decision.isDuplicate && decision.forwardTo.isEmpty)
    }

    /// Ids are forgotten after the window, and past the capacity the oldest go first.
    @Test func windowAndCapacity() {
        var router = DiscoveryRouter<Int>(window: 1_000, capacity: 3)
        _ = router.route(id, hopLimit: 1, from: nil, neighbours: [1], now: 0)
        let decision1 = router.route(id, hopLimit: 1, from: nil, neighbours: [1], now: 999)
        #expect(decision1.isDuplicate)
        let decision2 = router.route(id, hopLimit: 1, from: nil, neighbours: [1], now: 1_000)
        #expect(!decision2.isDuplicate)
        for index in 0..<10 {
            _ = router.route(
                QueryID(bytes: Array(repeating: UInt8(index + 10), count: 16))!,
                hopLimit: 1,
                from: nil,
                neighbours: [1],
                now: 1_001
            )
        }
        #expect(router.rememberedCount == 3)
        let decision3 = router.route(id, hopLimit: 1, from: nil, neighbours: [1], now: 1_002)
        #expect(!decision3.isDuplicate)
    }

    /// A token bucket passes its burst, then refills at its rate.
    @Test func tokenBucket() {
        var bucket = TokenBucket(burst: 3, ratePerSecond: 2)
        var taken: [Bool] = []
        for now: UInt64 in [0, 0, 0, 0, 500_000_000, 500_000_000] { taken.append(bucket.take(now: now)) }
        #expect(taken == [true, true, true, false, true, false])
    }
}
