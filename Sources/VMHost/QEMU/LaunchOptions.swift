/// How a VM is started beyond its lease: the accelerator, the user QEMU runs as, and whether limits are required.
public struct LaunchOptions: Hashable, Sendable {
    public var accelerator: Accelerator
    /// The account QEMU drops to when the host runs as root (through `setpriv`); nil keeps the current user.
    public var user: String?
    /// Whether to put QEMU in cgroup v1 groups with a CPU quota and a memory limit.
    public var applyCgroupLimits: Bool
    /// Fail the launch when limits were asked for and cannot be applied (else run without and say why).
    public var requireCgroupLimits: Bool
    /// Memory QEMU may use beyond the guest's RAM before the limit stops it (its own code, buffers, TCG's
    /// translation cache). Measured here at ~120 MB for a thin guest.
    public var memoryOverheadMiB: Int
    /// Whether the lease's disk space is taken from the host's filesystem at launch (`fallocate` through
    /// qcow2 preallocation), so a full host disk refuses the lease instead of failing the guest's writes later.
    public var reserveDisk: Bool

    public init(
        accelerator: Accelerator = .tcg,
        user: String? = "nobody",
        applyCgroupLimits: Bool = true,
        requireCgroupLimits: Bool = false,
        memoryOverheadMiB: Int = 256,
        reserveDisk: Bool = true
    ) {
        self.accelerator = accelerator
        self.user = user
        self.applyCgroupLimits = applyCgroupLimits
        self.requireCgroupLimits = requireCgroupLimits
        self.memoryOverheadMiB = memoryOverheadMiB
        self.reserveDisk = reserveDisk
    }
}
