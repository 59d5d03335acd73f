import Foundation
import Market
import NIOPosix
import TestSupport
import Testing

@testable import VMHost

/// Boots the thin guest under QEMU for real: image from Debian packages, a lease of two cores and 256 MiB, SSH
/// through the host forward with the lease's key, QMP metering, clean power-off. QEMU comes from
/// scripts/install-deps; without it the suite is skipped and says so.
@Suite(
    .serialized,
    .enabled(
        if: Subprocess.findExecutable("qemu-system-x86_64") != nil && Subprocess.findExecutable("ssh") != nil,
        "qemu-system-x86_64 or ssh is not installed: run scripts/install-deps"
    )
)
struct GuestBootTests {
    /// Shared between runs: images are named by content hash, so a stale one is never used.
    static let cacheDirectory = ProcessInfo.processInfo.environment["ZENFS_VM_CACHE"] ?? "/tmp/zenfs-vm-cache"

    /// The guest boots, answers SSH with the injected key (directly and through the node-to-publisher tunnel),
    /// reports the lease's cores and memory, is metered through QMP and the cgroups, and powers off when asked.
    @Test func bootsToSSHAndMatchesTheLease() async throws {
        let folder = TemporaryDirectory()
        chmod(folder.path, 0o755)
        let online = try ThinImageBuilder(configuration: .init(cacheDirectory: Self.cacheDirectory)).build()
        // Offline, from the package files alone, into an empty cache: the same image is assembled again, and
        // it is the one that boots below.
        let built = try ThinImageBuilder(
            configuration: .init(
                cacheDirectory: folder.path + "/offline-cache",
                packageDirectories: [Self.cacheDirectory + "/packages", "/var/cache/apt/archives"],
                allowDownload: false
            )
        ).build()
        #expect(built.contentHash == online.contentHash)
        #expect(built.directory == folder.path + "/offline-cache/images/" + online.contentHash)
        #expect(built.kernelRelease.hasSuffix("-cloud-amd64"))
        #expect(FileManager.default.contentsEqual(atPath: built.kernelPath, andPath: online.kernelPath))

        let key = folder.path + "/id_ed25519"
        _ = try Subprocess.output("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lease", "-f", key])
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: "\n")
        let verdict = AcceleratorProbe.choose(image: built, directory: folder.path + "/probe")
        let lease = VMLease(
            name: "test-\(getpid())",
            cores: 2,
            memoryMiB: 256,
            diskBytes: 64 << 20,
            sshPort: try freePort(),
            authorizedKey: publicKey,
            hostCPUs: CPUAffinity.availableCPUs >= 2 ? [1, 0] : [0]
        )
        let machine = try QEMUMachine.launch(
            image: built,
            lease: lease,
            directory: folder.path + "/vm",
            options: LaunchOptions(accelerator: verdict.accelerator)
        )
        defer { if machine.isRunning { machine.kill() } }
        // The disk's room is taken at launch: the overlay file is at least as large as the lease's disk.
        let diskFile = try FileManager.default.attributesOfItem(atPath: machine.files.disk)
        #expect((diskFile[.size] as? UInt64 ?? 0) >= lease.diskBytes)
        let started = Date()
        try machine.waitForSSH(timeout: 90)
        let bootSeconds = Date().timeIntervalSince(started)

        let ssh = Self.sshArguments(key: key, port: lease.sshPort)
        let answer = try Subprocess.output(
            "ssh",
            ssh + [
                "nproc; free -m | sed -n 2p; dd if=/dev/zero of=/dev/vda bs=1M count=4 conv=fsync 2>/dev/null; echo done"
            ],
            timeout: 60
        )
        let lines = answer.split(separator: "\n").map(String.init)
        #expect(lines.first == "2")
        let totalMiB = lines.dropFirst().first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap {
            Int($0)
        }
        let total = try #require(totalMiB, "free -m printed: \(answer)")
        // The kernel keeps some of the RAM for itself; what it reports is most of the lease and never more.
        #expect(total <= lease.memoryMiB && total >= lease.memoryMiB * 3 / 4)
        #expect(lines.last == "done")

        // The same guest through the RFC's tunnel: the node dials the publisher's SSH server and relays its
        // forwarded port to the guest; the publisher's plain `ssh -p PORT root@127.0.0.1` reaches the VM.
        let group = MultiThreadedEventLoopGroup.singleton
        let nodeKey = TunnelKey()
        let publisher = try await PublisherTunnelServer.start(
            group: group,
            hostKey: TunnelKey(),
            nodeKey: nodeKey.publicKey
        )
        let tunnel = try await NodeTunnelClient.connect(
            group: group,
            host: "127.0.0.1",
            port: publisher.port,
            nodeKey: nodeKey,
            publisherHostKey: try TunnelKey.publicKey(openSSH: publisher.hostKey),
            guestPort: Int(lease.sshPort)
        )
        let throughTunnel = try Subprocess.output(
            "ssh",
            Self.sshArguments(key: key, port: UInt16(tunnel.forwardedPort)) + ["nproc"],
            timeout: 60
        )
        #expect(throughTunnel == "2\n")
        let tunnelTraffic = tunnel.trafficBytes
        #expect(tunnelTraffic > 0)
        await tunnel.close()
        await publisher.close()

        #expect(try machine.status().running)
        let vcpus = try machine.vcpus()
        #expect(vcpus.count == 2)
        let pins = try machine.pinVCPUs()
        for cpu in vcpus { #expect(try CPUAffinity.cpus(of: cpu.threadID) == [pins[cpu.threadID]!]) }
        let reading = try machine.reading()
        #expect(reading.cpuNanoseconds > 0)
        #expect(reading.diskWrittenBytes >= 4 << 20)
        #expect(reading.residentBytes > reading.qemuOwnResidentBytes && reading.qemuOwnResidentBytes > 0)

        var peakMemory: UInt64 = 0
        if let limits = machine.limits {
            peakMemory = try limits.peakMemoryBytes()
            let quota = try String(contentsOfFile: limits.directories["cpu"]! + "/cpu.cfs_quota_us", encoding: .utf8)
            #expect(quota.trimmingCharacters(in: "\n") == "200000")
            let procs = try String(contentsOfFile: limits.directories["memory"]! + "/cgroup.procs", encoding: .utf8)
            #expect(procs.split(separator: "\n").contains("\(machine.pid)"))
            // Half a core for a guest spinning on both vCPUs: the quota must throttle it.
            let throttledBefore = try limits.throttledPeriods()
            try limits.setCPUQuota(millicores: 500)
            let spun = try Subprocess.output(
                "ssh",
                ssh + ["(timeout 2 sh -c 'while :; do :; done' &); timeout 2 sh -c 'while :; do :; done'; echo spun"],
                timeout: 60
            )
            #expect(spun.hasSuffix("spun\n"))
            #expect(try limits.throttledPeriods() > throttledBefore)
            try limits.setCPUQuota(millicores: 2_000)
        } else {
            print("VM limits not applied: \(machine.limitsReport ?? "?")")
        }
        let stat = try String(contentsOfFile: "/proc/\(machine.pid)/stat", encoding: .utf8)
        #expect(ProcessStats.niceness(statLine: stat) == lease.niceness)
        if getuid() == 0 {
            let status = try String(contentsOfFile: "/proc/\(machine.pid)/status", encoding: .utf8)
            let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }
            #expect(uid?.split(separator: "\t").dropFirst().first == "\(getpwnam("nobody")!.pointee.pw_uid)")
        }

        // Metering: the reading goes into the pure meter; the charge follows the rates.
        var meter = VMMeter(startingAt: 0, memoryBytes: UInt64(lease.memoryMiB) << 20, diskBytes: lease.diskBytes)
        meter.record(cpuNanoseconds: reading.cpuNanoseconds, trafficBytes: tunnelTraffic, at: 3_600)
        #expect(meter.usage.cpuNanoseconds == reading.cpuNanoseconds)
        #expect(meter.usage.trafficBytes == tunnelTraffic)

        let outcome = machine.shutdown(timeout: 20)
        #expect(outcome == .poweredOff)
        #expect(!machine.isRunning)
        print(
            "VM boot to SSH: \(String(format: "%.1f", bootSeconds)) s (\(verdict.accelerator): \(verdict.reason)); "
                + "QEMU resident \(reading.residentBytes >> 20) MiB (its own \(reading.qemuOwnResidentBytes >> 20) MiB), cgroup peak \(peakMemory >> 20) MiB, for "
                + "\(lease.memoryMiB) MiB of guest RAM; guest free -m total \(total) MiB"
        )
    }

    /// Data written by one lease to its persistent volume is there for the next lease that attaches it; the
    /// volume goes when removed.
    @Test func persistentVolumeOutlivesTheLease() throws {
        let folder = TemporaryDirectory()
        chmod(folder.path, 0o755)
        let image = try ThinImageBuilder(configuration: .init(cacheDirectory: Self.cacheDirectory)).build()
        let key = folder.path + "/id_ed25519"
        _ = try Subprocess.output("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lease", "-f", key])
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: "\n")
        let volume = try PersistentVolume.openOrCreate(at: folder.path + "/volume.qcow2", sizeBytes: 16 << 20)
        let verdict = AcceleratorProbe.choose(image: image, directory: folder.path + "/probe")

        func runLease(_ index: Int, command: String) throws -> String {
            let lease = VMLease(
                name: "volume-\(getpid())-\(index)",
                cores: 1,
                memoryMiB: 192,
                diskBytes: 16 << 20,
                sshPort: try freePort(),
                authorizedKey: publicKey,
                volumes: [volume]
            )
            let machine = try QEMUMachine.launch(
                image: image,
                lease: lease,
                directory: folder.path + "/vm\(index)",
                options: LaunchOptions(accelerator: verdict.accelerator)
            )
            defer { if machine.isRunning { machine.kill() } }
            try machine.waitForSSH(timeout: 90)
            let ssh = Self.sshArguments(key: key, port: lease.sshPort)
            let answer = try Subprocess.output("ssh", ssh + [command], timeout: 60)
            #expect(machine.shutdown(timeout: 20) == .poweredOff)
            return answer
        }

        let written = try runLease(
            1,
            command: "echo zenfs-volume-data | dd of=/dev/vdb conv=fsync 2>/dev/null; echo ok"
        )
        #expect(written == "ok\n")
        let read = try runLease(2, command: "head -c 17 /dev/vdb")
        #expect(read == "zenfs-volume-data")
        try volume.remove()
        #expect(!FileManager.default.fileExists(atPath: volume.path))
    }

    static func sshArguments(key: String, port: UInt16) -> [String] {
        [
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "-i", key, "-p", "\(port)", "root@127.0.0.1",
        ]
    }

    /// A free TCP port on 127.0.0.1 (bound, read, released).
    func freePort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw VMHostError.badLease("no free port") }
        return UInt16(bigEndian: address.sin_port)
    }
}
