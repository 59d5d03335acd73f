import Foundation
import Glibc
import Node

/// A real `zenfs node` process inside one node of a `NetLab`, with its own data directory and log. Peers
/// reach it at the lab address and port 7600; with latency, a delaying proxy takes that port and the node
/// listens behind it on the namespace's loopback.
final class LabNode {
    let lab: NetLab
    let index: Int
    let address: String
    let dataDirectory: String
    let logPath: String
    let peers: [String]
    let extra: [String]
    let mining: Bool
    /// Listens on 0.0.0.0 and advertises nothing, as a node started without an address would.
    let listensEverywhere: Bool
    private let behindProxy: Bool
    private(set) var process = Process()

    static let port: UInt16 = 7600

    /// The address other nodes dial.
    var peerAddress: String { "\(address):\(Self.port)" }

    init(
        lab: NetLab,
        index: Int,
        in directory: String,
        peers: [LabNode] = [],
        latency: (milliseconds: Int, jitter: Int)? = nil,
        mining: Bool = false,
        listensEverywhere: Bool = false,
        extra: [String] = []
    ) throws {
        self.mining = mining
        self.listensEverywhere = listensEverywhere
        self.lab = lab
        self.index = index
        address = try lab.address(index)
        dataDirectory = directory + "/node\(index)"
        logPath = directory + "/node\(index).log"
        self.peers = peers.map(\.peerAddress)
        self.extra = extra
        behindProxy = latency != nil
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        if let latency {
            try lab.delay(
                index,
                port: Self.port,
                to: "127.0.0.1:\(Self.port + 1)",
                milliseconds: latency.milliseconds,
                jitter: latency.jitter
            )
        }
        try start()
    }

    deinit { kill() }

    /// Starts the node (again, after `kill`) and waits until it answers.
    func start() throws {
        let listen = behindProxy ? "127.0.0.1:\(Self.port + 1)" : peerAddress
        var arguments = [LabCommand.zenfs, "node", "--data-dir", dataDirectory]
        if listensEverywhere {
            arguments += ["--listen", "0.0.0.0:\(Self.port)"]
        } else {
            arguments += ["--listen", listen, "--advertise", peerAddress]
        }
        arguments += ["--no-tracker", "--bittorrent-listen", "\(address):6881"]
        if !mining { arguments.append("--no-mine") }
        arguments += peers.flatMap { ["--peer", $0] } + extra
        if !FileManager.default.fileExists(atPath: logPath) {
            precondition(FileManager.default.createFile(atPath: logPath, contents: nil), "cannot create \(logPath)")
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        output.seekToEndOfFile()
        process = Process()
        process.executableURL = URL(fileURLWithPath: NetLab.script)
        process.arguments = lab.command(in: index, arguments)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let process = self.process
        let answered = LabCommand.waitUntil(seconds: 20) { !process.isRunning || self.status() != nil }
        guard answered, process.isRunning else {
            kill()
            throw NetLabError.nodeDidNotStart(index, String(log().suffix(2000)))
        }
    }

    /// Kills the node at once (SIGKILL), as a crash or a power cut would.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the node with SIGTERM; true when it exited by itself with status 0.
    func stop() -> Bool {
        guard process.isRunning else { return false }
        process.terminate()
        process.waitUntilExit()
        return process.terminationReason == .exit && process.terminationStatus == 0
    }

    /// Runs a `zenfs` command against this node's data directory (from outside the lab: the control socket
    /// is a file).
    func zenfs(_ arguments: [String]) throws -> LabCommand.Result {
        try LabCommand.run(LabCommand.zenfs, arguments, environment: ["ZENFS_DATA_DIR": dataDirectory])
    }

    /// The node's status, or nil while it does not answer.
    func status() -> NodeStatus? {
        guard let result = try? zenfs(["status", "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(NodeStatus.self, from: result.output)
    }

    /// Waits until the node has at least `count` peers.
    @discardableResult
    func waitForPeers(_ count: Int, seconds: Double = 30) -> Bool {
        LabCommand.waitUntil(seconds: seconds) { (status()?.peers.count ?? -1) >= count }
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
