import ZenFS

/// The settings of one simulated network.
struct SimulationSettings {
    var nodes: Int
    /// Each node opens this many connections to random others (so the mean degree is about twice this).
    var connectionsPerNode: Int
    var hopLimit: UInt8
    /// How many nodes hold the element searched for.
    var holders: Int
    /// One-way latency of a link, drawn uniformly from this range, in milliseconds.
    var latencyMilliseconds: ClosedRange<Double>
    /// The chance that any one message is lost.
    var lossRate: Double
    var seed: UInt64
}

/// What one query did.
struct QueryOutcome {
    var messages = 0
    var firstAnswerNanoseconds: UInt64?
    var reachedNodes = 0
    var answers = 0
}

/// Thousands of nodes in one process on a virtual clock, each running the node's own `DiscoveryRouter`
/// with the node's answer rule (a holder answers the origin directly, once per query).
struct SimulatedNetwork {
    let settings: SimulationSettings
    private(set) var neighbours: [[Int]]
    private var latency: [[UInt64]]
    private var routers: [DiscoveryRouter<Int>]
    private var generator: SeededGenerator

    enum Event {
        case find(to: Int, from: Int, query: FindQuery)
        case have(origin: Int)
    }

    init(_ settings: SimulationSettings) {
        self.settings = settings
        generator = SeededGenerator(seed: settings.seed)
        var links = [Set<Int>](repeating: [], count: settings.nodes)
        for node in 0..<settings.nodes {
            var attempts = 0
            while links[node].count < settings.connectionsPerNode, attempts < settings.connectionsPerNode * 8 {
                attempts += 1
                let other = Int.random(in: 0..<settings.nodes, using: &generator)
                guard other != node else { continue }
                links[node].insert(other)
                links[other].insert(node)
            }
        }
        neighbours = links.map { $0.sorted() }
        var latency: [[UInt64]] = []
        for node in 0..<settings.nodes {
            var row: [UInt64] = []
            for _ in neighbours[node] { row.append(Self.draw(settings.latencyMilliseconds, &generator)) }
            latency.append(row)
        }
        self.latency = latency
        routers = Array(repeating: DiscoveryRouter<Int>(), count: settings.nodes)
    }

    private static func draw(_ range: ClosedRange<Double>, _ generator: inout SeededGenerator) -> UInt64 {
        UInt64(Double.random(in: range, using: &generator) * 1_000_000)
    }

    /// Runs one flooded `find` from a random origin for an element held by random holders.
    mutating func runQuery(index: Int, startTime: UInt64) -> QueryOutcome {
        let origin = Int.random(in: 0..<settings.nodes, using: &generator)
        var holders = Set<Int>()
        while holders.count < min(settings.holders, settings.nodes - 1) {
            let holder = Int.random(in: 0..<settings.nodes, using: &generator)
            if holder != origin { holders.insert(holder) }
        }
        let id = QueryID(
            bytes: (0..<16).map { UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> ($0 % 4 * 8)) ^ UInt8($0) }
        )!
        let query = FindQuery(
            id: id,
            origin: PeerAddress(host: "node\(origin)", port: 1),
            hopLimit: settings.hopLimit,
            kind: .part,
            hash: SHA1Digest.of([UInt8(truncatingIfNeeded: index)])
        )
        var outcome = QueryOutcome()
        var queue = EventQueue<Event>()
        var reached = Set([origin])
        let start = routers[origin].route(id, hopLimit: 1, from: nil, neighbours: neighbours[origin], now: startTime)
        for target in start.forwardTo {
            send(
                .find(to: target, from: origin, query: query),
                from: origin,
                to: target,
                at: startTime,
                &queue,
                &outcome
            )
        }
        while let (time, event) = queue.pop() {
            switch event {
            case .find(let node, let sender, let query):
                let decision = routers[node].route(
                    query.id,
                    hopLimit: query.hopLimit,
                    from: sender,
                    neighbours: neighbours[node],
                    now: time
                )
                if decision.isDuplicate { continue }
                reached.insert(node)
                var copy = query
                copy.hopLimit = decision.forwardedHopLimit
                for target in decision.forwardTo {
                    send(.find(to: target, from: node, query: copy), from: node, to: target, at: time, &queue, &outcome)
                }
                if holders.contains(node) {
                    // The answer goes straight to the origin over a connection of its own.
                    outcome.messages += 1
                    if Double.random(in: 0..<1, using: &generator) >= settings.lossRate {
                        queue.push(
                            .have(origin: origin),
                            at: time + Self.draw(settings.latencyMilliseconds, &generator) * 3
                        )
                    }
                }
            case .have:
                outcome.answers += 1
                if outcome.firstAnswerNanoseconds == nil { outcome.firstAnswerNanoseconds = time - startTime }
            }
        }
        outcome.reachedNodes = reached.count
        return outcome
    }

    private mutating func send(
        _ event: Event,
        from node: Int,
        to target: Int,
        at time: UInt64,
        _ queue: inout EventQueue<Event>,
        _ outcome: inout QueryOutcome
    ) {
        outcome.messages += 1
        guard Double.random(in: 0..<1, using: &generator) >= settings.lossRate else { return }
        let link = neighbours[node].firstIndex(of: target)!
        queue.push(event, at: time + latency[node][link])
    }
}
