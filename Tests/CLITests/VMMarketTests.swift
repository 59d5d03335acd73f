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

    /// Waits until `condition` holds, for at most `seconds` of wall-clock time however long each check takes.
    static func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(500_000)
        }
        return condition()
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

    /// What `zenfs task publish --json` prints.
    struct Published: Decodable {
        let task: String
        let leases: [VMLeaseRecord]
    }

    static func publish(_ node: NodeProcess, key: String, cores: Int, wait: Int) throws -> Published {
        let result = try node.runner.zenfs([
            "task", "publish", "--vm", "cores=\(cores),memory=256MiB,disk=64MiB", "--lease", "10m",
            "--payout-interval", "3s", "--max-price-core-hour", "40", "--max-price-memory-gib-hour", "4",
            "--max-price-disk-gib-month", "800", "--max-price-traffic-gib", "2", "--ssh-key", key + ".pub",
            "--wait", "\(wait)", "--json",
        ])
        try #require(result.status == 0, "\(result.error)\n\(node.log())")
        return try JSONDecoder().decode(Published.self, from: result.output)
    }

    static func ssh(port: Int, key: String, _ command: String) throws -> CommandRunner.Result {
        try CommandRunner.run(
            "/usr/bin/ssh",
            [
                "-p", "\(port)", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "root@127.0.0.1", command,
            ]
        )
    }

    /// Two publishers rent a VM each from one node at once, and a third, whose VM does not fit in what is left,
    /// is refused. The first reaches its VM through the printed ssh line with its key (`nproc` and memory match
    /// the lease), pays every interval, and ends its task: the node closes the channel, and its income is the
    /// metered usage times its prices to the unit, which is what the publisher paid beyond the funding and close
    /// fees. The second publisher is stopped (SIGSTOP) and so stops paying: its VM is stopped within one payout
    /// interval plus the grace (and the market's rounds), and the node closes that channel with the best state.
    @Test func twoPublishersRentOneIsCutOffAThirdDoesNotFit() throws {
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
        let publishers = try ["alice", "bob", "carol"].map {
            try NodeProcess(in: directory.path, name: $0, peers: [miner], extra: ["--no-seeding"])
        }
        let (alice, bob, carol) = (publishers[0], publishers[1], publishers[2])
        let seller = try NodeProcess(
            in: directory.path,
            name: "seller",
            peers: [miner],
            extra: [
                "--no-seeding", "--sell-vm", "cores=2,memory=1GiB,disk=1GiB", "--price-core-hour", "36",
                "--price-memory-gib-hour", "3.6", "--price-disk-gib-month", "720", "--price-traffic-gib", "1",
                "--vm-grace", "4s", "--vm-directory", runFolder, "--vm-images", Self.imageCache,
            ]
        )
        defer {
            kill(bob.process.processIdentifier, SIGCONT)
            _ = seller.stop()
            for node in publishers { _ = node.stop() }
            _ = miner.stop()
        }
        for node in publishers + [seller] { #expect(node.waitForPeers(1)) }
        for node in publishers {
            let funded = try node.runner.zenfs(["wallet", "faucet", "50", "--wait"])
            try #require(funded.status == 0, "\(funded.text)")
        }
        let before = try #require(FaucetTests.balance(alice))
        #expect(FaucetTests.balance(seller) == 0)
        let key = directory.path + "/id_ed25519"
        let made = try CommandRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
        try #require(made.status == 0, "\(made.error)")

        // Both offers come within the same moments: the node takes both (one core each of its two).
        let bobs = try Self.publish(bob, key: key, cores: 1, wait: 0)
        let alices = try Self.publish(alice, key: key, cores: 1, wait: 240)
        let lease = try #require(alices.leases.first, "\(seller.log())")
        let port = try #require(lease.sshPort)
        let bobReady = Self.waitFor(seconds: 120) {
            Self.leases(bob).contains { $0.sshPort != nil && $0.task == bobs.task }
        }
        #expect(bobReady, "\(seller.log())")

        // Nothing is left for a third: carol's offer is refused, her wallet untouched but for nothing.
        let carols = try Self.publish(carol, key: key, cores: 1, wait: 8)
        #expect(carols.leases.isEmpty)
        #expect(seller.log().contains("refused VM task \(carols.task.prefix(16))"), "\(seller.log())")

        // Through the tunnel, with the publisher's key: the guest has the lease's core and memory.
        let shell = try Self.ssh(port: port, key: key, "uname -a; nproc; free -m | awk '/Mem:/ {print $2}'")
        try #require(shell.status == 0, "\(shell.error)\n\(seller.log())")
        let lines = shell.text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Linux") == true, "\(lines)")
        #expect(lines.dropFirst().first == "1", "\(lines)")
        let memory = Int(lines.last ?? "") ?? 0
        #expect(memory > 192 && memory <= 256, "\(lines)")

        // Payments follow the node's reports every interval, for both leases.
        let paying = Self.waitFor(seconds: 30) {
            let sold = Self.leases(seller)
            return sold.count == 2 && sold.allSatisfy { $0.paidUnits > 0 }
        }
        #expect(paying, "\(Self.leases(seller))\n\(seller.log())")

        // Bob stops paying: his VM is stopped within the interval plus the grace (and rounds of the clock and the power-off).
        kill(bob.process.processIdentifier, SIGSTOP)
        let stoppedAt = Date()
        let cutOff = Self.waitFor(seconds: 40) {
            Self.leases(seller).first { $0.task == bobs.task }?.state == .closed
        }
        let took = Date().timeIntervalSince(stoppedAt)
        #expect(cutOff, "stopped at \(Int(stoppedAt.timeIntervalSince1970)): \(Self.leases(seller))\n\(seller.log())")
        // By the node's own clock: stopped at most an interval plus the grace after the last state it took (and
        // two rounds of its one-second clock); by the test's, that plus the polling under load.
        let cut = try #require(Self.leases(seller).first { $0.task == bobs.task })
        let lastPaid = try #require(cut.lastPaidAt)
        let stoppedBy = try #require(cut.stoppedAt)
        #expect(stoppedBy - lastPaid <= 3 + 4 + 3, "\(cut)")
        #expect(took <= 3 + 4 + 15, "cut off after \(took) s")
        #expect(seller.log().contains("stopping the VM of task \(bobs.task.prefix(16))"))
        kill(bob.process.processIdentifier, SIGCONT)

        // Alice ends her task: the last usage is paid and the channel closed.
        let cancelled = try alice.runner.zenfs(["task", "cancel", lease.task])
        try #require(cancelled.status == 0, "\(cancelled.error)")
        // The closes wait for a block: under load (TCG guests and parallel builds) the miner slows down.
        let settled = Self.waitFor(seconds: 300) {
            let sold = Self.leases(seller)
            guard sold.count == 2, sold.allSatisfy({ $0.state == .closed && $0.closeTransaction != nil }) else {
                return false
            }
            return FaucetTests.balance(seller) == sold.reduce(0) { $0 + $1.paidUnits }
        }
        try #require(
            settled,
            "balance \(String(describing: FaucetTests.balance(seller))) against \(Self.leases(seller).map(\.paidUnits)); closes on the miner: \(Self.leases(seller).map { $0.closeTransaction.flatMap { FaucetTests.transaction(miner, $0) }.map { "\($0.height.map(String.init) ?? "pool")" } ?? "unknown" }), miner \(String(describing: try? miner.runner.zenfs(["chain", "status"]).text)), seller \(String(describing: try? seller.runner.zenfs(["chain", "status"]).text))\n\(seller.log())\n\(miner.log())"
        )
        let sold = try #require(Self.leases(seller).first { $0.task == alices.task })
        if ProcessInfo.processInfo.environment["ZENFS_TEST_VERBOSE"] != nil {
            print("\(Self.leases(seller))\n\(seller.log())")
        }
        #expect(sold.paidUnits == sold.billedUnits)
        #expect(sold.paidUnits == Self.expectedCharge(sold.usage, sold.rates), "\(sold)")
        #expect(sold.usage.cpuNanoseconds > 0 && sold.usage.trafficBytes > 0)
        let bought = try #require(Self.leases(alice).first { $0.task == sold.task && !$0.peerKey.isEmpty })
        #expect(bought.paidUnits == sold.paidUnits)
        #expect(
            Self.waitFor(seconds: 20) {
                FaucetTests.balance(alice) == before - sold.paidUnits - 2 * Self.fee
            },
            "\(String(describing: FaucetTests.balance(alice))) against \(before - sold.paidUnits - 2 * Self.fee)"
        )
        #expect(FaucetTests.balance(carol) == before)
        let bobsLease = try #require(Self.leases(seller).first { $0.task == bobs.task })
        #expect(bobsLease.paidUnits > 0 && bobsLease.paidUnits <= bobsLease.billedUnits)
        #expect(FaucetTests.audit(miner)?.holds == true)
        #expect(seller.stop())
    }
}
