import Foundation

/// What `/proc` tells of a process or thread: CPU time and resident memory. Parsing is pure.
public enum ProcessStats {
    /// User plus system time in clock ticks, from a `/proc/…/stat` line (fields 14 and 15, after the command
    /// name in parentheses, which may itself hold spaces and parentheses).
    public static func cpuTicks(statLine: String) -> UInt64? {
        guard let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); utime is field 14, stime field 15.
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    /// The nice value from a `/proc/…/stat` line (field 19).
    public static func niceness(statLine: String) -> Int? {
        guard let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        return fields.count > 16 ? Int(fields[16]) : nil
    }

    /// The `VmRSS` of a `/proc/…/status` text, in bytes.
    public static func residentBytes(statusText: String) -> UInt64? {
        for line in statusText.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let number = line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
                .flatMap { UInt64($0) }
            return number.map { $0 * 1024 }
        }
        return nil
    }

    /// Resident bytes of a QEMU process split into the guest's RAM and QEMU's own, from its `/proc/…/smaps` text:
    /// the guest's RAM is the first mapping whose size is the guest's memory (QEMU may round it up by up to
    /// 4 MiB); every other mapping is QEMU's own (code, heap, the translation cache, device buffers).
    public static func residentSplit(smapsText: String, guestBytes: UInt64) -> (guest: UInt64, own: UInt64) {
        let guestKiB = guestBytes / 1024
        var size: UInt64 = 0
        var guest: UInt64?
        var own: UInt64 = 0
        for line in smapsText.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let value = UInt64(fields[1]) else { continue }
            if fields[0] == "Size:" { size = value }
            if fields[0] == "Rss:" {
                if guest == nil && size >= guestKiB && size <= guestKiB + 4_096 {
                    guest = value * 1024
                } else {
                    own += value * 1024
                }
            }
        }
        return (guest ?? 0, own)
    }

    /// CPU time of process `pid` (all its threads), in nanoseconds.
    public static func cpuNanoseconds(pid: Int32) -> UInt64? {
        guard let line = ProcFile.read("/proc/\(pid)/stat"),
            let ticks = cpuTicks(statLine: line)
        else { return nil }
        let perSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return ticks * (1_000_000_000 / perSecond)
    }

    /// The guest's and QEMU's own resident bytes of process `pid` (see `residentSplit`).
    public static func residentSplit(pid: Int32, guestBytes: UInt64) -> (guest: UInt64, own: UInt64)? {
        guard let text = ProcFile.read("/proc/\(pid)/smaps") else { return nil }
        return residentSplit(smapsText: text, guestBytes: guestBytes)
    }

    /// Resident memory of process `pid`, in bytes.
    public static func residentBytes(pid: Int32) -> UInt64? {
        guard let text = ProcFile.read("/proc/\(pid)/status") else { return nil }
        return residentBytes(statusText: text)
    }
}
