/// The RFC's flooding rule, free of I/O: a query is passed to every connected peer but the one it came from,
/// once per node — an id seen within the window is dropped — and never beyond its hop limit.
/// Used by the node's discovery engine and, unchanged, by the network simulator.
public struct DiscoveryRouter<Peer: Hashable> {
    /// What to do with one arriving query.
    public struct Decision: Equatable {
        /// True when this node saw the id within the window: do nothing, not even answer.
        public var isDuplicate: Bool
        /// The peers to pass the query to.
        public var forwardTo: [Peer]
        /// The hop limit the forwarded copies carry.
        public var forwardedHopLimit: UInt8

        public init(isDuplicate: Bool, forwardTo: [Peer], forwardedHopLimit: UInt8) {
            self.isDuplicate = isDuplicate
            self.forwardTo = forwardTo
            self.forwardedHopLimit = forwardedHopLimit
        }
    }

    /// How long an id is remembered, in nanoseconds (the RFC's one minute by default).
    public let window: UInt64
    /// The most ids remembered; past it the oldest are forgotten early, so a flood costs bounded memory.
    public let capacity: Int

    private var seen: [QueryID: UInt64] = [:]
    private var arrivals: [(id: QueryID, time: UInt64)] = []
    private var oldest = 0

    public init(window: UInt64 = 60_000_000_000, capacity: Int = 1 << 17) {
        self.window = window
        self.capacity = capacity
    }

    /// How many ids are remembered now.
    public var rememberedCount: Int { seen.count }

    /// Decides for a query with `id` and `hopLimit` arriving from `sender` (nil: this node is the origin) at
    /// `now` (nanoseconds on any monotonic clock).
    public mutating func route(
        _ id: QueryID,
        hopLimit: UInt8,
        from sender: Peer?,
        neighbours: some Sequence<Peer>,
        now: UInt64
    ) -> Decision {
        forgetExpired(now: now)
        if seen[id] != nil { return Decision(isDuplicate: true, forwardTo: [], forwardedHopLimit: 0) }
        remember(id, now: now)
        guard hopLimit > 0 else { return Decision(isDuplicate: false, forwardTo: [], forwardedHopLimit: 0) }
        let targets = neighbours.filter { $0 != sender }
        return Decision(isDuplicate: false, forwardTo: targets, forwardedHopLimit: hopLimit - 1)
    }

    private mutating func remember(_ id: QueryID, now: UInt64) {
        seen[id] = now
        arrivals.append((id, now))
        while seen.count > capacity { dropOldest() }
    }

    private mutating func forgetExpired(now: UInt64) {
        while oldest < arrivals.count, now >= arrivals[oldest].time &+ window { dropOldest() }
    }

    private mutating func dropOldest() {
        let entry = arrivals[oldest]
        if seen[entry.id] == entry.time { seen[entry.id] = nil }
        oldest += 1
        if oldest > 1024, oldest * 2 > arrivals.count {
            arrivals.removeFirst(oldest)
            oldest = 0
        }
    }
}

/// A token bucket: allows `burst` events at once and `ratePerSecond` on average; used to cut off peers that
/// flood queries.
public struct TokenBucket: Sendable {
    public let burst: Double
    public let ratePerSecond: Double
    private var tokens: Double
    private var last: UInt64?

    public init(burst: Double, ratePerSecond: Double) {
        self.burst = burst
        self.ratePerSecond = ratePerSecond
        self.tokens = burst
    }

    /// Takes one token at `now` (nanoseconds); false when the bucket is empty.
    public mutating func take(now: UInt64) -> Bool {
        if let last, now > last { tokens = min(burst, tokens + Double(now - last) / 1e9 * ratePerSecond) }
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
