import Foundation

/// A disk that outlives leases (the RFC's persistent storage, field 2.4): a plain qcow2 file of its own, attached
/// to a lease as an extra virtio disk (`/dev/vdb`, then `/dev/vdc`, …), kept while its publisher pays for it and
/// removed when they stop. Its room is reserved when it is created.
public struct PersistentVolume: Hashable, Sendable {
    public var path: String
    public var sizeBytes: UInt64

    /// Opens the volume at `path`, creating it with `sizeBytes` (reserved) when it does not exist yet.
    public static func openOrCreate(at path: String, sizeBytes: UInt64) throws(VMHostError) -> PersistentVolume {
        if !FileManager.default.fileExists(atPath: path) {
            let directory = (path as NSString).deletingLastPathComponent
            let free = OverlayDisk.freeBytes(in: directory)
            guard free >= sizeBytes else {
                throw .badLease("a volume of \(sizeBytes) bytes does not fit: \(free) bytes are free in \(directory)")
            }
            _ = try Subprocess.output(
                "qemu-img",
                ["create", "-q", "-f", "qcow2", "-o", "preallocation=falloc", path, "\(sizeBytes)"],
                timeout: 120
            )
        }
        return PersistentVolume(path: path, sizeBytes: sizeBytes)
    }

    /// Deletes the volume and its data.
    public func remove() throws(VMHostError) {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .file(path: path, problem: "cannot remove the volume: \(error)")
        }
    }
}
