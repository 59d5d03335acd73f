/// What one VM gets: its size, the host port forwarded to its SSH port, the key that may log in, and how it is
/// held to its share of the host.
public struct VMLease: Hashable, Sendable {
    /// Names the run folder and the cgroups: letters, digits, `-` and `_` only.
    public var name: String
    public var cores: Int
    public var memoryMiB: Int
    /// Size of the lease's disk (a qcow2 overlay on the image's base disk; space is used only as written).
    public var diskBytes: UInt64
    /// The port on 127.0.0.1 forwarded to the guest's port 22.
    public var sshPort: UInt16
    /// One `authorized_keys` line (`ssh-ed25519 AAAA… comment`) for root in the guest.
    public var authorizedKey: String
    /// Host CPUs to pin the vCPU threads to (vCPU i on `hostCPUs[i % count]`); empty leaves them free.
    public var hostCPUs: [Int]
    /// The `nice` value QEMU runs at (0–19).
    public var niceness: Int
    /// Whether the guest may reach nothing but its forwarded port (QEMU's `restrict=on`).
    public var isolatedNetwork: Bool
    /// Disks kept between leases, attached after the lease's own disk.
    public var volumes: [PersistentVolume]

    public init(
        name: String,
        cores: Int,
        memoryMiB: Int,
        diskBytes: UInt64,
        sshPort: UInt16,
        authorizedKey: String,
        hostCPUs: [Int] = [],
        niceness: Int = 10,
        isolatedNetwork: Bool = true,
        volumes: [PersistentVolume] = []
    ) {
        self.name = name
        self.cores = cores
        self.memoryMiB = memoryMiB
        self.diskBytes = diskBytes
        self.sshPort = sshPort
        self.authorizedKey = authorizedKey
        self.hostCPUs = hostCPUs
        self.niceness = niceness
        self.isolatedNetwork = isolatedNetwork
        self.volumes = volumes
    }

    /// Throws when the lease cannot be run as written.
    public func validate() throws(VMHostError) {
        guard !name.isEmpty, name.count <= 64,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw .badLease("name '\(name)' must be 1–64 letters, digits, - or _") }
        guard cores >= 1, cores <= 64 else { throw .badLease("\(cores) cores: between 1 and 64") }
        guard memoryMiB >= 128 else { throw .badLease("\(memoryMiB) MiB of memory: the thin guest needs 128 MiB") }
        guard sshPort >= 1024 else { throw .badLease("port \(sshPort): use an unprivileged port (1024 or above)") }
        guard diskBytes >= 1 << 20 else { throw .badLease("a disk of \(diskBytes) bytes: at least 1 MiB") }
        let keyFields = authorizedKey.split(separator: " ")
        guard keyFields.count >= 2, keyFields[0].hasPrefix("ssh-") || keyFields[0].hasPrefix("ecdsa-"),
            !authorizedKey.contains("\n")
        else { throw .badLease("the authorized key must be one line such as 'ssh-ed25519 AAAA… name'") }
        guard (0...19).contains(niceness) else { throw .badLease("niceness \(niceness): between 0 and 19") }
        for volume in volumes where volume.path.contains(",") {
            throw .badLease("volume path \(volume.path) holds a comma, which QEMU's -drive cannot take")
        }
    }
}
