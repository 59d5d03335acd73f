import ArgumentParser
import Chain
import Foundation
import Market
import Node
import ZenFS

/// `zenfs task publish|list|cancel`: rent VMs from the nodes that sell them.
struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Publish VM tasks and follow the VMs rented for them.",
        subcommands: [TaskPublishCommand.self, TaskListCommand.self, TaskCancelCommand.self]
    )
}

/// `zenfs task publish --vm …`: offers a VM task, waits for the nodes that rent it, prints how to reach each VM.
struct TaskPublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Offer a VM task and print, per accepting node, the ssh line that reaches its VM.",
        discussion: """
            The node announces the task, funds a payment channel for each node that accepts, and pays every \
            payout interval for the usage the node meters, at the node's prices (at most the ones given here). \
            Each VM is reached through the node's SSH tunnel: ssh -p PORT root@127.0.0.1 with the key given.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The machine: cores=1,memory=512MiB[,disk=1GiB].")
    var vm: String

    @Option(help: "How long the lease runs (s, m, h or d), such as 1h.")
    var lease: String = "1h"

    @Option(name: .customLong("payout-interval"), help: "How often it pays for the usage metered (30s).")
    var payoutInterval: String = "30s"

    @Option(name: .customLong("max-price-core-hour"), help: "The most it pays per core-hour, in ZEN.")
    var maxPriceCoreHour: String?

    @Option(name: .customLong("max-price-memory-gib-hour"), help: "The most it pays per GiB-hour of memory.")
    var maxPriceMemoryGiBHour: String?

    @Option(name: .customLong("max-price-disk-gib-month"), help: "The most it pays per GiB-month of disk.")
    var maxPriceDiskGiBMonth: String?

    @Option(name: .customLong("max-price-traffic-gib"), help: "The most it pays per GiB of traffic.")
    var maxPriceTrafficGiB: String?

    @Option(name: .customLong("ssh-key"), help: "The OpenSSH public key file the VM lets in (~/.ssh/id_ed25519.pub).")
    var sshKey: String = NSHomeDirectory() + "/.ssh/id_ed25519.pub"

    @Option(help: "How many machines it rents.")
    var machines: Int = 1

    @Option(help: "Seconds to wait for the VMs to be reachable (0: print the task id and return).")
    var wait: Int = 300

    func run() throws {
        let order: VMTaskOrder
        do {
            guard let key = try? String(contentsOfFile: sshKey, encoding: .utf8), key.hasPrefix("ssh-") else {
                throw ValidationError(
                    "--ssh-key: \(sshKey) is not an OpenSSH public key file (ssh-keygen -t ed25519 makes one)"
                )
            }
            order = VMTaskOrder(
                resources: try VMResources(parsing: vm),
                leaseSeconds: try DurationText.seconds(lease),
                payoutIntervalSeconds: try DurationText.seconds(payoutInterval),
                maximumRates: try VMPriceText.rates(
                    coreHour: maxPriceCoreHour,
                    memoryGiBHour: maxPriceMemoryGiBHour,
                    diskGiBMonth: maxPriceDiskGiBMonth,
                    trafficGiB: maxPriceTrafficGiB
                ),
                guestKey: key.trimmingCharacters(in: .whitespacesAndNewlines),
                machines: max(1, machines)
            )
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
        let client = try nodeClient(global)
        let published = try client.send(.compute(.publish(order)))
        if let error = published.error { throw ControlError.badResponse(error) }
        guard let task = published.compute?.task else { throw ControlError.badResponse("no task id") }
        if !global.json { print("task \(task)") }
        var ready: [VMLeaseRecord] = []
        let deadline = Date().addingTimeInterval(Double(wait))
        while wait > 0, Date() < deadline {
            let leases = try client.send(.compute(.leases)).compute?.leases ?? []
            ready = leases.filter { $0.role == .publisher && $0.task == task && $0.sshPort != nil }
            if ready.count >= order.machines { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        if global.json { return try Output.json(PublishedTask(task: task, leases: ready)) }
        for lease in ready {
            print("node \(lease.peerKey.prefix(16)): ssh -p \(lease.sshPort ?? 0) root@127.0.0.1")
        }
        if wait > 0, ready.count < order.machines {
            Output.note("\(ready.count) of \(order.machines) VMs reachable after \(wait) s; see zenfs task list")
        }
    }
}

/// What `zenfs task publish --json` prints: the task's id and the leases reachable so far.
struct PublishedTask: Codable {
    let task: String
    let leases: [VMLeaseRecord]
}

/// `zenfs task list`: this node's VM leases, as publisher and as seller.
struct TaskListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "VM leases: per node on a publisher, per publisher on a selling node.",
        aliases: ["ls"]
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let leases = try nodeClient(global).send(.compute(.leases)).compute?.leases ?? []
        try printLeases(leases, json: global.json)
    }
}

/// Prints leases as a table (or JSON).
func printLeases(_ leases: [VMLeaseRecord], json: Bool) throws {
    if json { return try Output.json(leases) }
    if leases.isEmpty { return Output.note("no VM leases") }
    print("role\ttask\tpeer\tstate\tVM\tbilled ZEN\tpaid ZEN\tssh")
    for lease in leases {
        let ssh = lease.sshPort.map { "ssh -p \($0) root@127.0.0.1" } ?? "-"
        print(
            "\(lease.role.rawValue)\t\(lease.task.prefix(12))\t\(lease.peerKey.prefix(12))\t\(lease.state.rawValue)\t"
                + "\(lease.resources)\t\(Amount(units: lease.billedUnits))\t\(Amount(units: lease.paidUnits))\t\(ssh)"
        )
    }
}

/// `zenfs task cancel TASK`: ends a VM task; the nodes stop its VMs and are paid their last usage.
struct TaskCancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "End a VM task: its VMs stop and the last usage is paid."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The task id (at least 8 hex digits).")
    var task: String

    func run() throws {
        let response = try nodeClient(global).send(.compute(.cancel(task: task)))
        if let error = response.error { throw ControlError.badResponse(error) }
        print("ended task \(response.compute?.task ?? task)")
    }
}
