import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A lease's disk: a qcow2 overlay on the image's base disk, of the lease's size. Reserved, its clusters are
/// allocated in the host file at once (qcow2 `preallocation=falloc`, which with a backing file needs extended L2
/// entries: the subclusters stay unallocated, so reads still reach the base disk).
enum OverlayDisk {
    static func create(_ path: String, on image: ThinImage, lease: VMLease, reserve: Bool) throws(VMHostError) {
        var options = ["-b", image.baseDiskPath, "-F", "qcow2"]
        if reserve {
            let free = freeBytes(in: (path as NSString).deletingLastPathComponent)
            guard free >= lease.diskBytes else {
                throw .badLease(
                    "the lease's disk of \(lease.diskBytes) bytes does not fit: \(free) bytes are free where VMs run"
                )
            }
            options += ["-o", "preallocation=falloc,extended_l2=on,cluster_size=128k"]
        }
        _ = try Subprocess.output(
            "qemu-img",
            ["create", "-q", "-f", "qcow2"] + options + [path, "\(lease.diskBytes)"],
            timeout: 120
        )
    }

    /// Bytes an unprivileged writer may still use on the filesystem holding `directory`.
    static func freeBytes(in directory: String) -> UInt64 {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return 0 }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }
}
