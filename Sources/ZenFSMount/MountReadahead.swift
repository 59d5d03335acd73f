import Foundation
import Glibc

/// Raises the kernel's readahead for one FUSE mount through sysfs (root only; otherwise the kernel's value stays).
///
/// The kernel lowers a FUSE mount's readahead to the `max_readahead` the filesystem answers in its `INIT` reply,
/// so a value written before that reply is lost: the write happens once the reply has gone out, and is checked.
/// A window of several requests is what lets the kernel keep many reads of a streamed file in flight (with the
/// window at one request, a cold sequential read saw at most two reads outstanding).
struct MountReadahead {
    let mountPoint: String
    let kibibytes: Int

    /// Starts a thread that waits until `isInitialized` returns true, then sets the readahead.
    func raise(once isInitialized: @escaping @Sendable () -> Bool) {
        guard let path = sysfsPath() else { return }
        let wanted = kibibytes
        Thread.detachNewThread {
            for _ in 0..<200 where !isInitialized() { usleep(10_000) }
            // The INIT reply is written right after the callback that set the flag returns.
            for _ in 0..<20 {
                usleep(10_000)
                if Self.read(path) == wanted { return }
                Self.write(wanted, to: path)
            }
        }
    }

    /// The mount's backing-device folder in sysfs, found through /proc/self/mountinfo: a stat of the mount point
    /// would wait on this very process, which is not serving requests yet.
    private func sysfsPath() -> String? {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        let device = table.split(separator: "\n").lazy.map { $0.split(separator: " ") }
            .first { $0.count > 4 && $0[4] == mountPoint }?[2]
        return device.map { "/sys/class/bdi/\($0)/read_ahead_kb" }
    }

    private static func read(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private static func write(_ value: Int, to path: String) {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let text = "\(value)\n"
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
    }
}
