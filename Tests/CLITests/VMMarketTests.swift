import Foundation
import Glibc
import Market
import Node
import TestSupport
import Testing

/// The VM market between real node processes on loopback, with a real QEMU guest under TCG: a publisher rents a
/// VM from a selling node, runs commands in it through the node's SSH tunnel, pays every interval for what the
/// node metered, and ends the lease; the node's income on chain is its bill to the unit.
@Suite(
    .serialized,
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh"),
        "qemu-system-x86_64 or ssh is not installed: run scripts/install-deps"
    )
)
struct VMMarketTests {
    static let fee: Int64 = 10_000
    /// Shared with the VM host's boot tests: images are named by content hash.
    static let imageCache = ProcessInfo.processInfo.environment["ZENFS_VM_CACHE"] ?? "/tmp/zenfs-vm-cache"

    static func leases(_ node: NodeProcess) -> [VMLeaseRecord] {
        guard let result = try? node.runner.zenfs(["task", "list", "--json"]), result.status == 0 else { return [] }
        return (try? JSONDecoder().decode([VMLeaseRecord].self, from: result.output)) ?? []
    }

    /// The charge of a usage at some rates, worked out here on its own: the four fractions over one common
    /// denominator (2^38·3^4·5^11), added, rounded down once.
    static func expectedCharge(_ usage: VMUsage, _ rates: VMRates) -> Int64 {
        let denominator = (UInt128(1) << 38) * 81 * 48_828_125
        let gib = UInt128(1) << 30
        let numerator =
            UInt128(usage.cpuNanoseconds) * UInt128(rates.perCoreHour.units) * (denominator / (3_600 * 1_000_000_000))
            + usage.memoryByteSeconds * UInt128(rates.perMemoryGiBHour.units) * (denominator / (gib * 3_600))
            + usage.diskByteSeconds * UInt128(rates.perDiskGiBMonth.units) * (denominator / (gib * 2_592_000))
            + UInt128(usage.trafficBytes) * UInt128(rates.perTrafficGiB.units) * (denominator / gib)
        return Int64(numerator / denominator)
    }

    /// Kills every QEMU left running with `folder` on its command line (only this test's).
    static func killGuests(in folder: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return }
        for entry in entries {
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if line.contains("qemu-system") && line.contains(folder) { kill(pid, SIGKILL) }
        }
    }

    /// One publisher rents one VM: the accepting node boots it, the printed ssh line reaches it through the
    /// tunnel with the publisher's key (`nproc` and memory match the lease), payments arrive every interval, and
    /// once the publisher ends the task the node closes its channel: its balance equals the metered usage times
    /// its prices, to the unit, and the publisher paid exactly that plus the funding and close fees.
    @Test func publisherRentsRunsPaysAndStops() throws {
        let directory = TemporaryDirectory()
        chmod(directory.path, 0o755)
        let runFolder = directory.path + "/vmrun"
        try FileManager.default.createDirectory(atPath: runFolder, withIntermediateDirectories: true)
        chmod(runFolder, 0o755)
        defer { Self.killGuests(in: runFolder) }
        let miner = try NodeProcess(
            in: directory.path,
            name: "miner",
            extra: ["--block-interval", "0.5", "--no-seeding"],
            mining: true
        )
        let publisher = try NodeProcess(in: directory.path, name: "publisher", peers: [miner], extra: ["--no-seeding"])
        let seller = try NodeProcess(
            in: directory.path,
            name: "seller",
            peers: [miner],
            extra: [
                "--no-seeding", "--sell-vm", "cores=2,memory=1GiB,disk=1GiB", "--price-core-hour", "36",
                "--price-memory-gib-hour", "3.6", "--price-disk-gib-month", "720", "--price-traffic-gib", "1",
                "--vm-grace", "5s", "--vm-directory", runFolder, "--vm-images", Self.imageCache,
            ]
        )
        defer {
            _ = seller.stop()
            _ = publisher.stop()
            _ = miner.stop()
        }
        for node in [publisher, seller] { #expect(node.waitForPeers(1)) }
        let funded = try publisher.runner.zenfs(["wallet", "faucet", "50", "--wait"])
        try #require(funded.status == 0, "\(funded.text)")
        let before = try #require(FaucetTests.balance(publisher))
        #expect(FaucetTests.balance(seller) == 0)

        let key = directory.path + "/id_ed25519"
        let made = try CommandRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
        try #require(made.status == 0, "\(made.error)")
        let published = try publisher.runner.zenfs([
            "task", "publish", "--vm", "cores=1,memory=256MiB,disk=64MiB", "--lease", "10m", "--payout-interval", "3s",
            "--max-price-core-hour", "40", "--max-price-memory-gib-hour", "4", "--max-price-disk-gib-month", "800",
            "--max-price-traffic-gib", "2", "--ssh-key", key + ".pub", "--wait", "240", "--json",
        ])
        try #require(published.status == 0, "\(published.error)\n\(publisher.log())\n\(seller.log())")
        let ready = try JSONDecoder().decode([VMLeaseRecord].self, from: published.output)
        let lease = try #require(ready.first, "\(published.text)\n\(seller.log())")
        let port = try #require(lease.sshPort)

        // Through the tunnel, with the publisher's key: the guest has the lease's core and memory.
        let ssh = try CommandRunner.run(
            "/usr/bin/ssh",
            [
                "-p", "\(port)", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "root@127.0.0.1",
                "uname -a; nproc; free -m | awk '/Mem:/ {print $2}'",
            ]
        )
        try #require(ssh.status == 0, "\(ssh.error)\n\(seller.log())")
        let lines = ssh.text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Linux") == true, "\(lines)")
        #expect(lines.dropFirst().first == "1", "\(lines)")
        let memory = Int(lines.last ?? "") ?? 0
        #expect(memory > 192 && memory <= 256, "\(lines)")

        // Payments follow the node's reports every interval.
        let paying = MountCrashTests.waitUntil(seconds: 30) {
            (Self.leases(seller).first?.paidUnits ?? 0) > 0
        }
        #expect(paying, "\(Self.leases(seller))\n\(seller.log())")

        let cancelled = try publisher.runner.zenfs(["task", "cancel", lease.task])
        try #require(cancelled.status == 0, "\(cancelled.error)")
        let settled = MountCrashTests.waitUntil(seconds: 90) {
            guard let sold = Self.leases(seller).first, sold.state == .closed, sold.closeTransaction != nil else {
                return false
            }
            return FaucetTests.balance(seller) == sold.paidUnits
        }
        try #require(settled, "\(Self.leases(seller))\n\(seller.log())")
        let sold = try #require(Self.leases(seller).first)
        if ProcessInfo.processInfo.environment["ZENFS_TEST_VERBOSE"] != nil { print("\(sold)\n\(seller.log())\n\(publisher.log())") }
        #expect(sold.paidUnits == sold.billedUnits)
        #expect(sold.paidUnits == Self.expectedCharge(sold.usage, sold.rates), "\(sold)")
        #expect(sold.usage.cpuNanoseconds > 0 && sold.usage.trafficBytes > 0)
        #expect(FaucetTests.balance(seller) == sold.paidUnits)
        let bought = try #require(Self.leases(publisher).first { $0.task == sold.task && !$0.peerKey.isEmpty })
        #expect(bought.paidUnits == sold.paidUnits)
        #expect(
            MountCrashTests.waitUntil(seconds: 20) {
                FaucetTests.balance(publisher) == before - sold.paidUnits - 2 * Self.fee
            },
            "\(String(describing: FaucetTests.balance(publisher))) against \(before - sold.paidUnits - 2 * Self.fee)"
        )
        #expect(FaucetTests.audit(miner)?.holds == true)
        #expect(seller.stop())
    }
}
