import Foundation

/// Runs the built `zenfs` and the reference tools as real processes.
struct CommandRunner {
    struct Result {
        let status: Int32
        let output: Data
        let error: String
        var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// The `zenfs` binary built next to this test bundle.
    static let zenfs: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("zenfs").path
    }()

    /// The scripts this test target ships (run from the source tree).
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")
        .path

    let dataDirectory: String

    /// Runs `zenfs` with this data directory.
    func zenfs(_ arguments: [String]) throws -> Result {
        try Self.run(Self.zenfs, arguments, environment: ["ZENFS_DATA_DIR": dataDirectory])
    }

    /// Starts `zenfs` without waiting (for tests that kill it); its errors go to `errorPath` when given.
    func startZenfs(_ arguments: [String], errorPath: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.zenfs)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["ZENFS_DATA_DIR": dataDirectory]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        if let errorPath {
            precondition(FileManager.default.createFile(atPath: errorPath, contents: nil), "cannot create \(errorPath)")
            process.standardError = FileHandle(forWritingAtPath: errorPath)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Starts a program (by absolute path) in the background with its output discarded; the caller kills it.
    static func start(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs a program (a path, or a name looked up on PATH) and waits for it; output goes through temporary
    /// files so no pipe can fill up.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        directory: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let base = NSTemporaryDirectory() + "zenfs-run-" + UUID().uuidString
        precondition(
            FileManager.default.createFile(atPath: base + ".out", contents: nil),
            "cannot create \(base + ".out")"
        )
        precondition(
            FileManager.default.createFile(atPath: base + ".err", contents: nil),
            "cannot create \(base + ".err")"
        )
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: FileManager.default.contents(atPath: base + ".out") ?? Data(),
            error: String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
        )
    }
}
