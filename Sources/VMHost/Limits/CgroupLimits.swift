import Foundation

/// One VM's cgroup v1 groups: a CPU quota (CFS quota over period), a memory limit (guest RAM plus QEMU's own
/// overhead) and CPU accounting. Created before QEMU starts, so every byte and cycle of QEMU counts from the
/// first instruction; removed after it exits.
public struct CgroupLimits: Sendable, Equatable {
    /// The CFS period, in microseconds: the quota is cores × this.
    public static let periodMicroseconds: UInt64 = 100_000

    /// The group folders, one per controller (their `cgroup.procs` files take QEMU's process id).
    public let directories: [String: String]

    /// Creates the groups `zenfs-vm/NAME` for a VM of `cores` cores limited to `memoryLimitBytes`.
    public static func create(
        name: String,
        cores: Int,
        memoryLimitBytes: UInt64,
        mounts: CgroupMounts
    ) throws(VMHostError) -> CgroupLimits {
        guard mounts.missing.isEmpty else { throw .limits(mounts.report) }
        var directories: [String: String] = [:]
        for controller in CgroupMounts.needed {
            let directory = mounts.controllers[controller]! + "/zenfs-vm/" + name
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .limits("cannot create \(directory) (running as root?): \(error)")
            }
            directories[controller] = directory
        }
        let limits = CgroupLimits(directories: directories)
        try limits.write("\(periodMicroseconds)", to: "cpu", file: "cpu.cfs_period_us")
        try limits.write("\(UInt64(cores) * periodMicroseconds)", to: "cpu", file: "cpu.cfs_quota_us")
        try limits.write("\(memoryLimitBytes)", to: "memory", file: "memory.limit_in_bytes")
        // No swapping of guest memory: the host reclaims nothing of a VM's reservation behind its back.
        try? limits.write("0", to: "memory", file: "memory.swappiness")
        return limits
    }

    /// Changes the CPU quota to `millicores` thousandths of a core per period (1000 = one core), such as when a
    /// lease is resized or a host wants to hold a VM back.
    public func setCPUQuota(millicores: UInt64) throws(VMHostError) {
        let quota = max(1_000, millicores * Self.periodMicroseconds / 1_000)
        try write("\(quota)", to: "cpu", file: "cpu.cfs_quota_us")
    }

    /// The folders whose `cgroup.procs` a starting process must join.
    public var procsDirectories: [String] { CgroupMounts.needed.compactMap { directories[$0] } }

    /// CPU time used by the group's processes, in nanoseconds (`cpuacct.usage`).
    public func cpuNanoseconds() throws(VMHostError) -> UInt64 { try readNumber("cpuacct", "cpuacct.usage") }

    /// Memory charged to the group now, in bytes (`memory.usage_in_bytes`).
    public func memoryBytes() throws(VMHostError) -> UInt64 { try readNumber("memory", "memory.usage_in_bytes") }

    /// The largest memory charge seen (`memory.max_usage_in_bytes`).
    public func peakMemoryBytes() throws(VMHostError) -> UInt64 {
        try readNumber("memory", "memory.max_usage_in_bytes")
    }

    /// Times the quota throttled the group (`cpu.stat` `nr_throttled`).
    public func throttledPeriods() throws(VMHostError) -> UInt64 {
        let text = try read("cpu", "cpu.stat")
        for line in text.split(separator: "\n") where line.hasPrefix("nr_throttled ") {
            return UInt64(line.dropFirst("nr_throttled ".count)) ?? 0
        }
        return 0
    }

    /// Removes the groups (they must be empty: call after QEMU has exited). Bounded retries, as the kernel
    /// may take a moment to let go of an exited process.
    public func remove() {
        for directory in directories.values {
            for _ in 0..<50 {
                if rmdir(directory) == 0 || errno == ENOENT { break }
                usleep(20_000)
            }
        }
    }

    func write(_ value: String, to controller: String, file: String) throws(VMHostError) {
        let path = directories[controller]! + "/" + file
        do {
            try value.write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            throw .limits("cannot write \(value) to \(path): \(error)")
        }
    }

    func read(_ controller: String, _ file: String) throws(VMHostError) -> String {
        let path = (directories[controller] ?? "") + "/" + file
        guard let text = ProcFile.read(path) else {
            throw .limits("cannot read \(path)")
        }
        return text
    }

    func readNumber(_ controller: String, _ file: String) throws(VMHostError) -> UInt64 {
        let text = try read(controller, file)
        guard let value = UInt64(text.trimmingCharacters(in: " \n")) else {
            throw .limits("\(controller)/\(file) holds no number: \(text.prefix(80))")
        }
        return value
    }
}
