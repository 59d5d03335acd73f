import ArgumentParser
import Foundation
import Node
import ZenFS

/// The `zenfs node` flags of the VM market; each is also a `[compute]` key of config.toml (with underscores).
struct VMMarketOptions: ParsableArguments {
    @Option(name: .customLong("sell-vm"), help: "Sell VMs out of these resources: cores=2,memory=2GiB,disk=10GiB.")
    var sellVM: String?

    @Option(name: .customLong("price-core-hour"), help: "The least it takes per core-hour, in ZEN: 0.1/core-hour.")
    var priceCoreHour: String?

    @Option(
        name: .customLong("price-memory-gib-hour"),
        help: "The least it takes per GiB of memory reserved an hour, in ZEN: 0.02/GiB-hour."
    )
    var priceMemoryGiBHour: String?

    @Option(
        name: .customLong("price-disk-gib-month"),
        help: "The least it takes per GiB of VM disk kept 30 days, in ZEN: 0.5/GiB-month."
    )
    var priceDiskGiBMonth: String?

    @Option(name: .customLong("price-traffic-gib"), help: "The least it takes per GiB through the tunnel: 0.01/GiB.")
    var priceTrafficGiB: String?

    @Option(
        name: .customLong("payout-tolerance"),
        help: "ZEN a payment may fall short of this node's own bill and still count (default 0)."
    )
    var payoutTolerance: String?

    @Option(
        name: .customLong("vm-grace"),
        help: "How far past a payout interval a VM's publisher may be before the VM is stopped (10s by default)."
    )
    var vmGrace: String?

    @Option(
        name: .customLong("vm-directory"),
        help: "Where VMs run (default: vm/ in the data directory); QEMU's unprivileged user must reach it."
    )
    var vmDirectory: String?

    @Option(name: .customLong("vm-images"), help: "Where guest images are cached (default: images/ in --vm-directory).")
    var vmImages: String?

    @Option(
        name: .customLong("vm-packages"),
        help: "Folders (comma-separated) holding the guest's Debian packages (default /var/cache/apt/archives)."
    )
    var vmPackages: String?

    @Option(name: .customLong("vm-user"), help: "The account QEMU runs as when the node is root (default nobody).")
    var vmUser: String?

    func apply(to settings: inout ComputeSettings) throws {
        let given: [(String, String?)] = [
            ("sell_vm", sellVM), ("price_core_hour", priceCoreHour), ("price_memory_gib_hour", priceMemoryGiBHour),
            ("price_disk_gib_month", priceDiskGiBMonth), ("price_traffic_gib", priceTrafficGiB),
            ("payout_tolerance", payoutTolerance), ("vm_grace", vmGrace), ("vm_directory", vmDirectory),
            ("vm_images", vmImages),
            ("vm_packages", vmPackages), ("vm_user", vmUser),
        ]
        for case (let key, let text?) in given {
            do { try settings.set(key, text) } catch {
                throw ValidationError("--\(key.replacingOccurrences(of: "_", with: "-")): \(error)")
            }
        }
    }
}

/// `zenfs node benchmark`: measures this machine again and keeps the result for judging VM offers.
struct NodeBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Measure cores, clock, memory and disk speed again (kept in benchmark.json for VM offers)."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let directory = DataDirectory.resolvePath(explicit: global.dataDirectory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let result = try NodeBenchmark.loadOrMeasure(dataDirectory: directory, again: true)
        if global.json { return try Output.json(result) }
        print("cores      \(result.cores) at \(result.megahertz) MHz")
        print("memory     \(Output.size(Int64(clamping: result.memoryBytes))), copies at \(result.memoryCopyMBps) MB/s")
        print("disk       writes and syncs at \(result.diskWriteMBps) MB/s")
    }
}
