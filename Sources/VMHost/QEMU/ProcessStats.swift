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

    /// The `VmRSS` of a `/proc/…/status` text, in bytes.
    public static func residentBytes(statusText: String) -> UInt64? {
        for line in statusText.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let number = line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
                .flatMap { UInt64($0) }
            return number.map { $0 * 1024 }
        }
        return nil
    }

    /// CPU time of process `pid` (all its threads), in nanoseconds.
    public static func cpuNanoseconds(pid: Int32) -> UInt64? {
        guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let ticks = cpuTicks(statLine: line)
        else { return nil }
        let perSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return ticks * (1_000_000_000 / perSecond)
    }

    /// Resident memory of process `pid`, in bytes.
    public static func residentBytes(pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return residentBytes(statusText: text)
    }
}
