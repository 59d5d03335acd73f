/// Meters one VM lease over time. Memory and disk are reserved amounts integrated second by second up to the
/// clock given; CPU time and traffic are cumulative counters read from the host (a counter that goes backwards,
/// such as after a restart of the VM, is taken as a new start and never lowers the usage). The clock is passed
/// in (seconds), so the meter is exact and testable.
public struct VMMeter: Hashable, Sendable {
    public private(set) var usage: VMUsage
    public let memoryBytes: UInt64
    public private(set) var diskBytes: UInt64
    /// The second up to which memory and disk are counted.
    public private(set) var meteredUntil: Int64
    private var lastCPUNanoseconds: UInt64 = 0
    private var lastTrafficBytes: UInt64 = 0

    public init(startingAt now: Int64, memoryBytes: UInt64, diskBytes: UInt64, usage: VMUsage = VMUsage()) {
        self.usage = usage
        self.memoryBytes = memoryBytes
        self.diskBytes = diskBytes
        meteredUntil = now
    }

    /// Counts the reserved memory and disk up to `now` (never earlier than already counted).
    public mutating func advance(to now: Int64) {
        guard now > meteredUntil else { return }
        let seconds = UInt128(now - meteredUntil)
        usage.memoryByteSeconds += UInt128(memoryBytes) * seconds
        usage.diskByteSeconds += UInt128(diskBytes) * seconds
        meteredUntil = now
    }

    /// Records the host's cumulative counters at `now`: the guest's CPU nanoseconds and its traffic bytes.
    public mutating func record(cpuNanoseconds: UInt64, trafficBytes: UInt64, at now: Int64) {
        advance(to: now)
        usage.cpuNanoseconds += Self.delta(from: lastCPUNanoseconds, to: cpuNanoseconds)
        usage.trafficBytes += Self.delta(from: lastTrafficBytes, to: trafficBytes)
        lastCPUNanoseconds = cpuNanoseconds
        lastTrafficBytes = trafficBytes
    }

    /// The disk reservation changed (a volume grew or shrank) from `now` on.
    public mutating func resizeDisk(to bytes: UInt64, at now: Int64) {
        advance(to: now)
        diskBytes = bytes
    }

    static func delta(from last: UInt64, to current: UInt64) -> UInt64 {
        current >= last ? current - last : current
    }
}
