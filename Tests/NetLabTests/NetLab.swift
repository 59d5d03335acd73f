import Foundation
import Glibc

/// Why the lab could not do what a test asked.
enum NetLabError: Error, CustomStringConvertible {
    case failed([String], String)
    case nodeDidNotStart(Int, String)

    var description: String {
        switch self {
        case .failed(let arguments, let message):
            "scripts/netlab \(arguments.joined(separator: " ")) failed: \(message)"
        case .nodeDidNotStart(let node, let log): "the node on lab host \(node) did not start:\n\(log)"
        }
    }
}

/// A network of hosts made by `scripts/netlab`: each node is a network namespace with its own address on a
/// bridge; the test adds loss, rate limits, latency and partitions. The lab is removed when this value goes
/// away, and by the script's own watchdog if the test process dies first.
final class NetLab {
    let id: String
    let nodes: Int

    /// The harness script in the source tree.
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/netlab").path

    /// Whether this machine can run labs (root, iptables); tests that need one are skipped otherwise.
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables")
    }

    init(nodes: Int) throws {
        self.nodes = nodes
        id = try Self.run(["up", "--nodes", "\(nodes)", "--owner", "\(getpid())", "--ttl", "900"])
    }

    deinit { _ = try? Self.run(["down", id]) }

    /// The node's address on the lab's bridge (nodes are numbered from 1).
    func address(_ node: Int) throws -> String { try Self.run(["address", id, "\(node)"]) }

    /// Drops this share of the packets reaching `node` (from `peer` only, when given).
    func loss(_ node: Int, _ probability: Double, from peer: Int? = nil) throws {
        try Self.run(["loss", id, "\(node)", String(format: "%.3f", probability)] + (peer.map { ["\($0)"] } ?? []))
    }

    /// Limits what `node` sends, in kilobits per second; nil lifts the limit.
    func rate(_ node: Int, kilobits: Int?) throws {
        try Self.run(["rate", id, "\(node)", kilobits.map { "\($0)kbit" } ?? "off"])
    }

    /// Starts a delaying proxy in `node`'s namespace: accepts on the node's address and `port`, forwards to
    /// `target` inside the namespace, each direction `milliseconds` ± `jitter` late.
    func delay(_ node: Int, port: UInt16, to target: String, milliseconds: Int, jitter: Int) throws {
        try Self.run(["delay", id, "\(node)", "\(port)", target, "\(milliseconds)", "\(jitter)"])
    }

    func cut(_ a: Int, _ b: Int) throws { try Self.run(["cut", id, "\(a)", "\(b)"]) }
    func isolate(_ node: Int) throws { try Self.run(["isolate", id, "\(node)"]) }
    func heal() throws { try Self.run(["heal", id]) }

    /// The script's arguments that run `arguments` inside `node`'s namespace.
    func command(in node: Int, _ arguments: [String]) -> [String] {
        ["exec", id, "\(node)"] + arguments
    }

    /// Runs the script; its output, trimmed.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let result = try LabCommand.run(script, arguments)
        guard result.status == 0 else { throw NetLabError.failed(arguments, result.error + result.text) }
        return result.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
