import Foundation
import Glibc
import Node

/// A real `zenfs node` process on loopback, with its own data directory and log.
final class NodeProcess {
    let name: String
    let dataDirectory: String
    private(set) var port: UInt16 = 0
    /// The node's BitTorrent tracker port.
    private(set) var trackerPort: UInt16 = 0
    private(set) var process = Process()
    let logPath: String

    var address: String { "127.0.0.1:\(port)" }
    var runner: CommandRunner { CommandRunner(dataDirectory: dataDirectory) }

    /// Nodes mine only when a test asks (`mining`), so the others do not spend CPU on blocks. Ports are chosen
    /// free, but another test may take one first: a node that cannot bind is started again on new ports.
    init(in directory: String, name: String, peers: [NodeProcess] = [], extra: [String] = [], mining: Bool = false)
        throws
    {
        self.name = name
        dataDirectory = directory + "/" + name
        logPath = directory + "/" + name + ".log"
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        for attempt in 1...5 {
            port = Self.freePort()
            trackerPort = Self.freePort()
            while trackerPort == port { trackerPort = Self.freePort() }
            precondition(FileManager.default.createFile(atPath: logPath, contents: nil), "cannot create \(logPath)")
            process = Process()
            process.executableURL = URL(fileURLWithPath: CommandRunner.zenfs)
            process.arguments =
                ["node", "--data-dir", dataDirectory, "--listen", address] + peers.flatMap { ["--peer", $0.address] }
                + (mining ? [] : ["--no-mine"]) + ["--tracker", "127.0.0.1:\(trackerPort)"] + extra
            process.standardOutput = FileHandle(forWritingAtPath: logPath)
            process.standardError = FileHandle(forWritingAtPath: logPath)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let process = self.process
            _ = MountCrashTests.waitUntil(seconds: 15) { !process.isRunning || self.status() != nil }
            let log = self.log()
            let lostAPort = log.contains("cannot listen") || log.contains("no tracker")
            if process.isRunning && !lostAPort { return }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            if !lostAPort || attempt == 5 { return }
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The node's status, or nil while it does not answer.
    func status() -> NodeStatus? {
        guard let result = try? runner.zenfs(["status", "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(NodeStatus.self, from: result.output)
    }

    /// Waits until the node answers with at least `peers` connected peers.
    @discardableResult
    func waitForPeers(_ peers: Int, seconds: Double = 20) -> Bool {
        MountCrashTests.waitUntil(seconds: seconds) { (status()?.peers.count ?? -1) >= peers }
    }

    /// Stops the node with SIGTERM and waits; true when it exited by itself with status 0.
    func stop() -> Bool {
        guard process.isRunning else { return false }
        process.terminate()
        process.waitUntilExit()
        return process.terminationReason == .exit && process.terminationStatus == 0
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// A TCP port nothing listens on now.
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }
}
