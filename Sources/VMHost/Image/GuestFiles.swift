/// The files that make the default guest's busybox userland: init's table, the start-up script that loads the
/// virtio modules, brings the network up and installs the lease's key, the power button's action, and the
/// account dropbear logs root into. Pure text, so the image's content hash covers it.
enum GuestFiles {
    /// The line the guest prints on its console once it is ready for SSH.
    static let readyMarker = "zenfs-guest-ready"
    /// The kernel command-line parameter that carries the lease's authorized key, base64-encoded.
    static let keyParameter = "zenfs.key"
    /// Bumped whenever the guest's layout changes, so cached images are rebuilt.
    static let layoutVersion = "zenfs-thin-guest-1"

    /// The virtio modules in the order they must be loaded (each needs the ones before it).
    static let modules = [
        "virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci", "failover",
        "net_failover", "virtio_net", "virtio_blk", "virtio-rng", "button", "evdev",
    ]

    static let inittab = """
        ::sysinit:/etc/init.d/rcS
        ::respawn:/sbin/dropbear -F -R -E -s -p 22
        ::ctrlaltdel:/bin/poweroff
        ::shutdown:/bin/sync

        """

    static var startScript: String {
        """
        #!/bin/sh
        /bin/busybox --install -s /bin
        export PATH=/bin:/sbin
        mount -t proc proc /proc
        mount -t sysfs sys /sys
        mount -t devtmpfs dev /dev
        mkdir -p /dev/pts /var/log
        mount -t devpts devpts /dev/pts
        mount -t tmpfs tmp /tmp
        for m in \(modules.joined(separator: " ")); do
          insmod /lib/modules/$m.ko || echo "zenfs-guest: insmod $m failed"
        done
        hostname zenfs-guest
        ip link set lo up
        ip link set eth0 up
        ip addr add 10.0.2.15/24 dev eth0
        ip route add default via 10.0.2.2
        key=$(sed -n 's/.*\(keyParameter)=\\([^ ]*\\).*/\\1/p' /proc/cmdline)
        mkdir -p /root/.ssh
        echo "$key" | base64 -d > /root/.ssh/authorized_keys
        chmod 700 /root /root/.ssh
        chmod 600 /root/.ssh/authorized_keys
        acpid
        echo "\(readyMarker)"

        """
    }

    /// Run by busybox `acpid` when QEMU presses the power button (`system_powerdown`).
    static let powerButton = """
        #!/bin/sh
        /bin/poweroff

        """

    static let passwd = "root:x:0:0:root:/root:/bin/sh\n"
    static let group = "root:x:0:\n"
    static let shells = "/bin/sh\n"

    /// Everything above in one text, for the image's content hash.
    static var fingerprint: String {
        [layoutVersion, modules.joined(separator: ","), inittab, startScript, powerButton, passwd, group, shells]
            .joined(separator: "\u{0}")
    }
}
