/// A built thin guest: a kernel, an initramfs holding busybox, the virtio modules and dropbear, and an empty base
/// disk for leases' overlays, all in one folder named by the content hash of what went in.
public struct ThinImage: Hashable, Sendable, Codable {
    /// The folder holding the files.
    public var directory: String
    /// Hex SHA-256 over the package files and the guest's layout.
    public var contentHash: String
    /// The kernel's release (`6.1.0-57-cloud-amd64`).
    public var kernelRelease: String
    /// The package files the image was made from, by package name.
    public var packages: [String: String]

    public var kernelPath: String { directory + "/vmlinuz" }
    public var initramfsPath: String { directory + "/initramfs.cpio.gz" }
    public var baseDiskPath: String { directory + "/base.qcow2" }
    public var manifestPath: String { directory + "/manifest.json" }

    /// The line the guest prints on its serial console when SSH is about to listen.
    public static let readyMarker = GuestFiles.readyMarker
    /// The kernel parameter that carries a lease's authorized key (base64 of an `authorized_keys` line).
    public static let keyParameter = GuestFiles.keyParameter
}
