/// Where the cgroup v1 controllers a VM needs are mounted, read from `/proc/self/mounts` text. Pure, so the
/// detection is tested on sample tables.
public struct CgroupMounts: Equatable, Sendable {
    /// Mount points by controller (`cpu`, `cpuacct`, `memory`, `cpuset`).
    public var controllers: [String: String]
    /// Whether a cgroup v2 hierarchy is mounted as well (here it has no controllers to use).
    public var hasUnified: Bool

    public static let needed = ["cpu", "cpuacct", "memory"]

    /// Reads a mounts table: lines of `device mountpoint type options …`.
    public init(mountsTable: String) {
        var controllers: [String: String] = [:]
        var hasUnified = false
        for line in mountsTable.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4 else { continue }
            let point = String(fields[1])
            if fields[2] == "cgroup2" { hasUnified = true }
            guard fields[2] == "cgroup" else { continue }
            for option in fields[3].split(separator: ",") {
                let name = String(option)
                if ["cpu", "cpuacct", "memory", "cpuset"].contains(name), controllers[name] == nil {
                    controllers[name] = point
                }
            }
        }
        self.controllers = controllers
        self.hasUnified = hasUnified
    }

    /// The needed controllers that are not mounted.
    public var missing: [String] { Self.needed.filter { controllers[$0] == nil } }

    /// A sentence for logs: what was found and what that means for limits.
    public var report: String {
        if missing.isEmpty {
            return "cgroup v1 controllers found: "
                + Self.needed.map { "\($0) at \(controllers[$0]!)" }.joined(separator: ", ")
        }
        return "cgroup v1 controllers \(missing.joined(separator: ", ")) are not mounted"
            + (hasUnified ? " (only cgroup v2 is, which this host does not use yet)" : "")
            + ": VMs run without CPU quota and memory limit"
    }
}
