/// What a VM lease has used so far, as integers: CPU time of the guest (nanoseconds, all vCPUs together), memory
/// reserved times seconds, disk bytes times seconds, and bytes of traffic. The charge is worked out from the
/// totals (see `VMRates.charge(for:)`), so nothing is lost to rounding between intervals.
public struct VMUsage: Hashable, Sendable, Codable {
    public var cpuNanoseconds: UInt64
    public var memoryByteSeconds: UInt128
    public var diskByteSeconds: UInt128
    public var trafficBytes: UInt64

    public init(
        cpuNanoseconds: UInt64 = 0,
        memoryByteSeconds: UInt128 = 0,
        diskByteSeconds: UInt128 = 0,
        trafficBytes: UInt64 = 0
    ) {
        self.cpuNanoseconds = cpuNanoseconds
        self.memoryByteSeconds = memoryByteSeconds
        self.diskByteSeconds = diskByteSeconds
        self.trafficBytes = trafficBytes
    }
}
