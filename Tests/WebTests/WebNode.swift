import Foundation
import Glibc
import XCTest

/// A real `zenfs node --web` process for the web tests, on free loopback ports, stopped when released.
final class WebNode {
    static let zenfs = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("zenfs").path

    let dataDirectory: String
    let listen: String
    let process = Process()
    let logPath: String
    private(set) var url = ""

    /// With `bittorrent`, the node runs its tracker on a free port and seeds (for BitTorrent clients).
    init(in directory: String, name: String, peers: [WebNode] = [], bittorrent: Bool = false) throws {
        dataDirectory = directory + "/" + name
        logPath = directory + "/" + name + ".log"
        listen = "127.0.0.1:\(Self.freePort())"
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.zenfs)
        process.arguments =
            [
                "node", "--data-dir", dataDirectory, "--listen", listen, "--no-mine",
                "--web", "127.0.0.1:\(Self.freePort())",
            ] + peers.flatMap { ["--peer", $0.listen] }
            + (bittorrent ? ["--tracker", "127.0.0.1:\(Self.freePort())"] : ["--no-tracker", "--no-seeding"])
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<300 where url.isEmpty && process.isRunning {
            url = ((try? String(contentsOfFile: dataDirectory + "/web.url", encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if url.isEmpty { usleep(100_000) }
        }
        if url.isEmpty { XCTFail("no web server; log: \(log())") }
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Runs `zenfs ARGUMENTS --data-dir` this node's directory; its output.
    @discardableResult
    func zenfs(_ arguments: [String], seconds: Double = 300) throws -> String {
        try ProgramRun.run(Self.zenfs, arguments + ["--data-dir", dataDirectory], seconds: seconds)
    }

    /// GET a path of the web server, with an optional Range; status and body.
    func get(_ path: String, range: String? = nil) throws -> (status: Int, body: Data) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", url + path]
        if let range { arguments += ["-H", "Range: \(range)"] }
        let output = try ProgramRun.runData("/usr/bin/curl", arguments, seconds: 60)
        let newline = output.lastIndex(of: 0x0a) ?? output.endIndex
        let status = Int(String(decoding: output[output.index(after: newline)...], as: UTF8.self)) ?? 0
        return (status, output[..<newline])
    }

    /// A TCP port nothing listens on now.
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
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

/// Runs a program to its end within a deadline (killed past it).
enum ProgramRun {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    @discardableResult
    static func run(_ program: String, _ arguments: [String], seconds: Double, environment: [String: String] = [:])
        throws -> String
    {
        String(decoding: try runData(program, arguments, seconds: seconds, environment: environment), as: UTF8.self)
    }

    static func runData(_ program: String, _ arguments: [String], seconds: Double, environment: [String: String] = [:])
        throws -> Data
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = NSTemporaryDirectory() + "zenfs-web-run-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: out) }
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: out)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let data = FileManager.default.contents(atPath: out) ?? Data()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failed(
                description:
                    "\(program) \(arguments.prefix(4)) failed: \(String(decoding: data.suffix(3000), as: UTF8.self))"
            )
        }
        return data
    }
}
