import Dispatch

/// When the node announces its content into the DHT again: at once when something new is seeded, then after
/// 5 s, 10 s, 20 s … up to every 15 minutes (announcements expire after about 30 minutes; the early repeats
/// reach a DHT that was still joining).
struct DHTAnnouncer {
    static let first: UInt64 = 5_000_000_000
    static let longest: UInt64 = 900_000_000_000

    private var seededCount = -1
    private var next: UInt64 = 0
    private var interval = first

    /// True when an announcement is due now, given how many contents are seeded.
    mutating func isDue(seeded: Int, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
        if seeded != seededCount {
            seededCount = seeded
            interval = Self.first
        } else if now < next {
            return false
        } else {
            interval = min(Self.longest, interval * 2)
        }
        next = now + interval
        return seeded > 0
    }
}
