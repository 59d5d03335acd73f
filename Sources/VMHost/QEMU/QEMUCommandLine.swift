import Foundation

/// QEMU's arguments for a lease: no default devices, the thin image's kernel and initramfs, the lease's key on
/// the kernel command line, the serial console to a file, a virtio disk (the lease's overlay), user-mode
/// networking with the SSH port forwarded on 127.0.0.1 only, a virtio RNG and a QMP socket. Pure.
enum QEMUCommandLine {
    static func arguments(
        image: ThinImage,
        lease: VMLease,
        files: RunFiles,
        accelerator: Accelerator,
        withNetworkAndDisk: Bool = true
    ) -> [String] {
        let key = Data(lease.authorizedKey.utf8).base64EncodedString()
        var network = "user,id=net0,hostfwd=tcp:127.0.0.1:\(lease.sshPort)-:22"
        if lease.isolatedNetwork { network += ",restrict=on" }
        var arguments = ["-name", "zenfs-\(lease.name)", "-nodefaults", "-no-user-config", "-display", "none"]
        arguments += accelerator.arguments
        arguments += ["-smp", "\(lease.cores)", "-m", "\(lease.memoryMiB)", "-no-reboot"]
        arguments += ["-kernel", image.kernelPath, "-initrd", image.initramfsPath]
        arguments += ["-append", "console=ttyS0 quiet panic=-1 \(ThinImage.keyParameter)=\(key)"]
        arguments += ["-chardev", "file,id=console,path=\(files.console)", "-serial", "chardev:console"]
        if withNetworkAndDisk {
            arguments += ["-drive", "file=\(files.disk),if=virtio,format=qcow2"]
            for volume in lease.volumes { arguments += ["-drive", "file=\(volume.path),if=virtio,format=qcow2"] }
            arguments += ["-netdev", network, "-device", "virtio-net-pci,netdev=net0"]
        }
        arguments += ["-device", "virtio-rng-pci"]
        arguments += ["-qmp", "unix:\(files.qmpSocket),server=on,wait=off"]
        return arguments
    }
}

/// The files of one running VM, in its run folder.
public struct RunFiles: Hashable, Sendable {
    public var directory: String
    public var console: String { directory + "/console.log" }
    public var disk: String { directory + "/disk.qcow2" }
    public var qmpSocket: String { directory + "/qmp.sock" }
    public var output: String { directory + "/qemu.log" }

    public init(directory: String) { self.directory = directory }
}
