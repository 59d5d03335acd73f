import ZenFS

/// One part to place: its hash and size.
public struct PartToPlace: Hashable, Sendable {
    public let hash: SHA1Digest
    public let bytes: UInt64

    public init(hash: SHA1Digest, bytes: UInt64) {
        self.hash = hash
        self.bytes = bytes
    }
}

/// A holder that can take parts: its id (any hashable name the caller uses) and the bytes it still takes.
public struct HolderRoom<Holder: Hashable & Sendable>: Hashable, Sendable {
    public let holder: Holder
    public var freeBytes: UInt64

    public init(holder: Holder, freeBytes: UInt64) {
        self.holder = holder
        self.freeBytes = freeBytes
    }
}

/// The plan: which holders get which parts, and the parts that could not get all their replicas.
public struct PlacementPlan<Holder: Hashable & Sendable>: Sendable {
    public var assignments: [Holder: [PartToPlace]] = [:]
    /// Parts short of replicas, with how many replicas they have (placed before and planned now).
    public var shortfalls: [SHA1Digest: Int] = [:]

    /// How many new placements the plan makes.
    public var count: Int { assignments.values.reduce(0) { $0 + $1.count } }
}

/// Places each part on `replicas` distinct holders: a part keeps the holders it already has, and each new copy
/// goes to the holder with the most free room that does not hold it yet (ties by the order holders are given),
/// so parts spread evenly and no holder is asked for more than it has.
public enum PlacementPlanner {
    public static func plan<Holder: Hashable & Sendable>(
        parts: [PartToPlace],
        replicas: Int,
        holders: [HolderRoom<Holder>],
        placed: [SHA1Digest: Set<Holder>] = [:]
    ) -> PlacementPlan<Holder> {
        var rooms = holders
        var plan = PlacementPlan<Holder>()
        for part in parts {
            var holding = placed[part.hash] ?? []
            while holding.count < replicas {
                var best: Int?
                for index in rooms.indices
                where !holding.contains(rooms[index].holder) && rooms[index].freeBytes >= part.bytes {
                    if best == nil || rooms[index].freeBytes > rooms[best!].freeBytes { best = index }
                }
                guard let chosen = best else { break }
                rooms[chosen].freeBytes -= part.bytes
                holding.insert(rooms[chosen].holder)
                plan.assignments[rooms[chosen].holder, default: []].append(part)
            }
            if holding.count < replicas { plan.shortfalls[part.hash] = holding.count }
        }
        return plan
    }
}
