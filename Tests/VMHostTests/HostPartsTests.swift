import Foundation
import Testing

@testable import VMHost

struct HostPartsTests {
    /// Depends fields lose versions, alternatives after the first and architecture qualifiers.
    @Test func readsDependsFields() {
        #expect(
            DebianControl.dependencyNames(
                "libc6 (>= 2.34), libcrypt1 (>= 1:4.1.0), libtomcrypt1 (>= 1.18.2) | libfoo, zlib1g:any (>= 1:1.1.4)"
            ) == ["libc6", "libcrypt1", "libtomcrypt1", "zlib1g"]
        )
        #expect(DebianControl.dependencyNames("") == [])
        #expect(
            DebianControl.packageName(ofFile: "busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb") == "busybox-static"
        )
        #expect(DebianControl.packageName(ofFile: "notes.txt") == nil)
    }

    /// A real dynamically linked binary of this host names its loader and libc; garbage is refused.
    @Test func readsELFDependencies() throws {
        let path = "/bin/ls"
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        let dependencies = try ELFDependencies(bytes: bytes, path: path)
        #expect(dependencies.interpreter == "/lib64/ld-linux-x86-64.so.2")
        #expect(dependencies.needed.contains("libc.so.6"))
        #expect(throws: VMHostError.self) { try ELFDependencies(bytes: Array(bytes.prefix(40)), path: "short") }
        #expect(throws: VMHostError.self) { try ELFDependencies(bytes: [UInt8](repeating: 7, count: 128), path: "x") }
    }

    /// cgroup v1 controllers are found by their mount options; a v2-only host is reported as such.
    @Test func detectsCgroupMounts() {
        let here = """
            tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
            cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
            cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
            cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
            cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
            """
        let mounts = CgroupMounts(mountsTable: here)
        #expect(mounts.missing.isEmpty)
        #expect(mounts.controllers["memory"] == "/sys/fs/cgroup/memory")
        let combined = CgroupMounts(mountsTable: "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n")
        #expect(combined.controllers["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(combined.missing == ["memory"])
        let v2 = CgroupMounts(mountsTable: "cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n")
        #expect(v2.missing == ["cpu", "cpuacct", "memory"])
        #expect(v2.report.contains("only cgroup v2"))
    }

    /// /proc stat and status lines, including a command name with spaces and parentheses.
    @Test func readsProcessStats() {
        let stat = "4242 (qemu (x) y) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 5 0 100 0 0"
        #expect(ProcessStats.cpuTicks(statLine: stat) == 1_801)
        #expect(ProcessStats.niceness(statLine: stat) == 0)
        #expect(ProcessStats.niceness(statLine: "1 (a) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 30 10 1") == 10)
        #expect(ProcessStats.residentBytes(statusText: "Name:\tqemu\nVmRSS:\t  254772 kB\n") == 254_772 * 1024)
        #expect(ProcessStats.cpuTicks(statLine: "garbage") == nil)
    }

    /// The mapping as large as the guest's RAM is the guest's; the rest is QEMU's own.
    @Test func splitsResidentMemory() {
        let smaps = """
            55d0a0000000-55d0a0400000 r-xp 00000000 08:01 1234 /usr/bin/qemu-system-x86_64
            Size:               4096 kB
            Rss:                3000 kB
            7f34f3e00000-7f3503e00000 rw-p 00000000 00:00 0
            Size:             262144 kB
            Rss:              129024 kB
            7f3600000000-7f3604000000 rwxp 00000000 00:00 0
            Size:              65536 kB
            Rss:               40000 kB
            """
        let split = ProcessStats.residentSplit(smapsText: smaps, guestBytes: 256 << 20)
        #expect(split.guest == 129_024 * 1024)
        #expect(split.own == 43_000 * 1024)
    }

    /// The command line forwards SSH on loopback only, isolates the network, and carries the key in base64.
    @Test func buildsTheCommandLine() {
        let image = ThinImage(directory: "/images/abc", contentHash: "abc", kernelRelease: "6.1", packages: [:])
        let lease = VMLease(
            name: "t1",
            cores: 2,
            memoryMiB: 512,
            diskBytes: 1 << 30,
            sshPort: 10_022,
            authorizedKey: "ssh-ed25519 AAAAkey me"
        )
        let arguments = QEMUCommandLine.arguments(
            image: image,
            lease: lease,
            files: RunFiles(directory: "/run/t1"),
            accelerator: .tcg
        )
        let joined = arguments.joined(separator: " ")
        #expect(joined.contains("-accel tcg,thread=multi,tb-size=64 -smp 2 -m 512"))
        #expect(joined.contains("user,id=net0,hostfwd=tcp:127.0.0.1:10022-:22,restrict=on"))
        #expect(joined.contains("zenfs.key=" + Data("ssh-ed25519 AAAAkey me".utf8).base64EncodedString()))
        #expect(joined.contains("file=/run/t1/disk.qcow2,if=virtio,format=qcow2"))
        #expect(joined.contains("unix:/run/t1/qmp.sock,server=on,wait=off"))
        var withVolume = lease
        withVolume.volumes = [PersistentVolume(path: "/volumes/v1.qcow2", sizeBytes: 1 << 20)]
        let volumeArguments = QEMUCommandLine.arguments(
            image: image,
            lease: withVolume,
            files: RunFiles(directory: "/run/t1"),
            accelerator: .tcg
        ).joined(separator: " ")
        #expect(
            volumeArguments.contains(
                "file=/run/t1/disk.qcow2,if=virtio,format=qcow2 -drive file=/volumes/v1.qcow2,if=virtio,format=qcow2"
            )
        )
    }

    /// Leases that cannot run are refused with the reason.
    @Test func validatesLeases() {
        let good = VMLease(
            name: "ok",
            cores: 1,
            memoryMiB: 256,
            diskBytes: 1 << 20,
            sshPort: 2_222,
            authorizedKey: "ssh-ed25519 AAAA x"
        )
        #expect(throws: Never.self) { try good.validate() }
        var bad = good
        bad.name = "../etc"
        #expect(throws: VMHostError.self) { try bad.validate() }
        bad = good
        bad.sshPort = 22
        #expect(throws: VMHostError.self) { try bad.validate() }
        bad = good
        bad.authorizedKey = "ssh-ed25519 AAAA\nssh-rsa BBBB"
        #expect(throws: VMHostError.self) { try bad.validate() }
    }

    /// A program past its time limit is stopped, even one that ignores SIGTERM; a missing tool names its package.
    @Test func subprocessesAreBounded() throws {
        #expect(throws: VMHostError.timedOut(command: "sh -c trap '' TERM; exec sleep 30", seconds: 0.3)) {
            try Subprocess.run("sh", ["-c", "trap '' TERM; exec sleep 30"], timeout: 0.3)
        }
        #expect(throws: VMHostError.toolMissing("no-such-tool-zenfs", package: "no-such-tool-zenfs")) {
            try Subprocess.run("no-such-tool-zenfs", [])
        }
        #expect(try Subprocess.output("sh", ["-c", "echo out; echo err >&2"]) == "out\n")
    }

    /// The guest's start script loads the modules in order and reads the key parameter.
    @Test func guestScriptLoadsModulesInOrder() {
        let script = GuestFiles.startScript
        #expect(
            script.contains(
                "for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover"
            )
        )
        #expect(script.contains(#"sed -n 's/.*zenfs.key=\([^ ]*\).*/\1/p' /proc/cmdline"#))
        #expect(script.hasSuffix("echo \"zenfs-guest-ready\"\n"))
    }
}
