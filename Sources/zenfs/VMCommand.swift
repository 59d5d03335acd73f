import ArgumentParser
import Foundation
import Node

/// `zenfs vm list|stop|console`: the VMs this node runs for publishers.
struct VMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm",
        abstract: "The VMs this node runs for publishers.",
        subcommands: [VMListCommand.self, VMStopCommand.self, VMConsoleCommand.self]
    )
}

struct VMListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The VMs this node sells: state, size, billed and paid.",
        aliases: ["ls"]
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let leases = try nodeClient(global).send(.compute(.leases)).compute?.leases ?? []
        try printLeases(leases.filter { $0.role == .seller }, json: global.json)
    }
}

struct VMStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a VM this node runs; its publisher pays the last usage."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The task id (at least 8 hex digits).")
    var task: String

    func run() throws {
        let response = try nodeClient(global).send(.compute(.stop(task: task)))
        if let error = response.error { throw ControlError.badResponse(error) }
        print("stopped the VM of task \(task)")
    }
}

struct VMConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Print a VM's serial console so far.",
        aliases: ["logs"]
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The task id (at least 8 hex digits).")
    var task: String

    func run() throws {
        let response = try nodeClient(global).send(.compute(.console(task: task)))
        if let error = response.error { throw ControlError.badResponse(error) }
        print(response.compute?.text ?? "", terminator: "")
    }
}
